// The CEL environment of x-kubernetes-validations rules: the standard library, the string
// extensions, the Kubernetes IP/CIDR library, and `matches()` on the shared RE2 engine.
import { celEnv, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { compileRegex } from '../regex.js';
import { ipLibrary, netTypesRegistry } from './ip-library.js';

export function createCelEnvironment(): CelEnv {
  return celEnv({ funcs: [...strings, ...ipLibrary], registry: netTypesRegistry, re2: { compile: compileRegex } });
}
