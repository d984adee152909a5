// The command-line flags of aggregated mode, named and read as kube's extension API
// servers (k8s.io/apiserver's delegating options) name and read them.
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_REQUEST_HEADER_NAMES, type RequestHeaderNames } from '../authentication/request-header.js';

/** Merge into the command's `parseArgs` options. List flags may repeat or hold commas. */
export const DELEGATION_FLAG_OPTIONS = {
  'authentication-kubeconfig': { type: 'string' },
  'authorization-kubeconfig': { type: 'string' },
  'client-ca-file': { type: 'string' },
  'requestheader-client-ca-file': { type: 'string' },
  'requestheader-allowed-names': { type: 'string', multiple: true },
  'requestheader-username-headers': { type: 'string', multiple: true },
  'requestheader-uid-headers': { type: 'string', multiple: true },
  'requestheader-group-headers': { type: 'string', multiple: true },
  'requestheader-extra-headers-prefix': { type: 'string', multiple: true },
  'tls-cert-file': { type: 'string' },
  'tls-private-key-file': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const DELEGATION_USAGE = `aggregated mode (any of these selects it):
  --authentication-kubeconfig FILE      core API server for TokenReview and the authentication ConfigMap (default: in-cluster)
  --authorization-kubeconfig FILE       core API server for SubjectAccessReview (default: in-cluster)
  --client-ca-file FILE                 CA for client certificates (default: from kube-system/extension-apiserver-authentication)
  --requestheader-client-ca-file FILE   CA of the front proxy's client certificate (default: from that ConfigMap, with the settings below)
  --requestheader-allowed-names A,B     CNs allowed as front proxy (empty: any certificate from that CA)
  --requestheader-username-headers H    (default X-Remote-User)
  --requestheader-uid-headers H         (default X-Remote-Uid)
  --requestheader-group-headers H       (default X-Remote-Group)
  --requestheader-extra-headers-prefix P  (default X-Remote-Extra-)
  --tls-cert-file FILE --tls-private-key-file FILE   serving certificate, reloaded when the files change`;

export interface DelegationFlags {
  authenticationKubeconfig?: string;
  authorizationKubeconfig?: string;
  clientCaFile?: string;
  /** The request-header settings apply only with `clientCaFile`; without it they all come from the ConfigMap. */
  requestHeader: RequestHeaderNames & { clientCaFile?: string; allowedNames: string[] };
  tls?: { certFile: string; keyFile: string };
}

type FlagValues = { [K in keyof typeof DELEGATION_FLAG_OPTIONS]?: (typeof DELEGATION_FLAG_OPTIONS)[K] extends { multiple: true } ? string[] : string };

/** Whether the command line asks for aggregated mode at all. */
export function delegationRequested(values: FlagValues): boolean {
  return Object.keys(DELEGATION_FLAG_OPTIONS).some((flag) => values[flag as keyof FlagValues] !== undefined);
}

export function delegationFlags(values: FlagValues): DelegationFlags {
  const certFile = values['tls-cert-file'];
  const keyFile = values['tls-private-key-file'];
  if (!certFile !== !keyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  const list = (flag: keyof FlagValues, fallback: string[]): string[] => {
    const given = values[flag] as string[] | undefined;
    return given ? given.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean) : fallback;
  };
  return {
    authenticationKubeconfig: values['authentication-kubeconfig'],
    authorizationKubeconfig: values['authorization-kubeconfig'],
    clientCaFile: values['client-ca-file'],
    requestHeader: {
      clientCaFile: values['requestheader-client-ca-file'],
      allowedNames: list('requestheader-allowed-names', []),
      usernameHeaders: list('requestheader-username-headers', DEFAULT_REQUEST_HEADER_NAMES.usernameHeaders),
      uidHeaders: list('requestheader-uid-headers', DEFAULT_REQUEST_HEADER_NAMES.uidHeaders),
      groupHeaders: list('requestheader-group-headers', DEFAULT_REQUEST_HEADER_NAMES.groupHeaders),
      extraHeaderPrefixes: list('requestheader-extra-headers-prefix', DEFAULT_REQUEST_HEADER_NAMES.extraHeaderPrefixes),
    },
    ...(certFile && keyFile && { tls: { certFile, keyFile } }),
  };
}
