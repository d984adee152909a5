// Rendering the deployment as `kubectl kustomize deploy` does, and finding objects in it.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { requireBinary } from '../support/binaries.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: any;
}

export async function render(dir = resolve(ROOT, 'deploy')): Promise<K8sObject[]> {
  const { stdout } = await promisify(execFile)(requireBinary('kubectl'), ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length) throw doc.errors[0];
    return doc.toJS() as K8sObject;
  });
}

export function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!found) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} in the rendered deployment`);
  return found;
}

/** `--flag=value` arguments as a map. */
export function flags(args: string[]): Map<string, string> {
  return new Map(args.map((arg) => /^--([^=]+)=(.*)$/.exec(arg)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
}
