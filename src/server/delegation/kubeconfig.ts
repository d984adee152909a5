// The connection to the core API server: the kubeconfig a flag names, else the pod's
// service account (kube's extension servers fall back the same way).
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(path: string | undefined, flag: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path) {
    kubeConfig.loadFromFile(path);
    return kubeConfig;
  }
  if (!process.env.KUBERNETES_SERVICE_HOST) {
    throw new Error(`${flag} is required outside a cluster (no in-cluster service account to fall back on)`);
  }
  kubeConfig.loadFromCluster();
  return kubeConfig;
}
