// Where objects live in storage: /registry/<group>/<resource>/<namespace>/<name>, the
// layout kube-apiserver uses, so etcd tooling and operators recognise it.
import type { KindDefinition } from '../api/kinds.js';

export class KeyLayout {
  readonly resourcePrefix: string;

  constructor(kind: KindDefinition) {
    this.resourcePrefix = `/registry/${kind.group}/${kind.plural}/`;
  }

  /** The prefix holding every object of the resource, or those of one namespace. */
  prefix(namespace?: string): string {
    return namespace ? `${this.resourcePrefix}${namespace}/` : this.resourcePrefix;
  }

  key(namespace: string | undefined, name: string): string {
    return namespace ? `${this.resourcePrefix}${namespace}/${name}` : `${this.resourcePrefix}${name}`;
  }
}
