import { Range, type IKeyValue } from 'etcd3';
import type { KeyValue } from './interface.js';

/**
 * Maps our keys into etcd's key space under a fixed prefix (`--etcd-prefix`), and back.
 * Keys are UTF-8 strings on our side and bytes on etcd's; ordering is etcd's byte order.
 */
export class EtcdKeySpace {
  private readonly prefixLength: number;

  constructor(private readonly prefix: string) {
    this.prefixLength = Buffer.byteLength(prefix);
  }

  encode(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  decode(key: Buffer): string {
    return key.subarray(this.prefixLength).toString('utf8');
  }

  /** The etcd range [start, end) holding exactly the keys that start with `prefix`. */
  rangeOf(prefix: string): { start: Buffer; end: Buffer } {
    const { start, end } = Range.prefix(this.encode(prefix));
    return { start, end };
  }

  toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: this.decode(kv.key),
      value: kv.value,
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}
