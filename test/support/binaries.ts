import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Which Debian package ships each binary the tests run, so a missing one fails with the
// exact fix instead of a bare ENOENT.
const debianPackageOf: Record<string, string> = {
  etcd: 'etcd-server',
  etcdctl: 'etcd-client',
  vtysh: 'frr',
  bgpd: 'frr',
  zebra: 'frr',
  staticd: 'frr',
  ip: 'iproute2',
  kubectl: 'kubernetes-client',
  openssl: 'openssl',
  protoc: 'protobuf-compiler',
};

// FRR installs its daemons outside PATH.
const extraDirs = ['/usr/sbin', '/sbin', '/usr/lib/frr'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of a system binary the tests need. Throws (so the test fails, never skips)
 * when it is missing, naming the Debian package that provides it.
 */
export function requireBinary(name: string, path?: string): string {
  const dirs = new Set([...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs]);
  const candidates = path ? [path] : [...dirs].map((dir) => join(dir, name));
  const found = candidates.find(isExecutable);
  if (found) return found;
  const pkg = debianPackageOf[name];
  const fix = pkg ? `install the Debian package ${pkg} (apt-get install ${pkg})` : 'install it';
  throw new Error(`required binary ${name} not found (looked at ${candidates.join(', ')}): ${fix}`);
}
