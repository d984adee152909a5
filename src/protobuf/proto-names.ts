// Where the protobuf definitions live and what their packages are called, shared by the
// generator that writes them and the codec that loads them.
import { join } from 'node:path';
import { projectRoot } from '../api/project-root.js';

/** The upstream packages of the Kubernetes meta types, as Go clients know them. */
export const META_PACKAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1';
export const RUNTIME_PACKAGE = 'k8s.io.apimachinery.pkg.runtime';

/** The proto files of the meta types, as imported by the generated files (paths under protoDir()). */
export const META_PROTO_FILE = 'k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto';

export function protoDir(): string {
  return join(projectRoot(), 'src', 'protobuf', 'proto');
}

/** `bgp.miloapis.com`, `v1alpha1` → `com.miloapis.bgp.v1alpha1`: protobuf packages are reversed domain names. */
export function kindPackage(group: string, version: string): string {
  return [...group.split('.').reverse(), version].join('.');
}

/** The generated file of a group version, under protoDir(); it mirrors openapi/<group>/<version>/. */
export function kindProtoFile(group: string, version: string): string {
  return `${group}/${version}/generated.proto`;
}

/** The field-number registry beside it: the memory that keeps numbers stable across regenerations. */
export function fieldNumbersFile(group: string, version: string): string {
  return `${group}/${version}/field-numbers.yaml`;
}
