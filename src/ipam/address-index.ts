// Which addresses are held, per VPC, in memory, fed by one list+watch of the address keys:
// allocation picks free addresses from here instead of reading storage. The index may lag
// storage by a few milliseconds, and that is fine: it only suggests an address, and the
// create-if-absent transaction decides. Where an answer must be current (counts for
// admission and status), callers `sync()` first.
import { CompactedError, type Storage, type Watch, type WatchEvent } from '../../storage/interface.js';
import * as errors from '../meta/status.js';
import { ADDRESS_PREFIX, parseAddressKey } from './keys.js';
import { decodeRecord, type AddressRecord } from './records.js';

const PAGE_SIZE = 1000;
const RELIST_DELAY_MS = 1000;
const SYNC_TIMEOUT_MS = 10_000;

/** The held addresses of one VPC, with a count per network so that fullness is O(1). */
export class VpcAddresses {
  private readonly holders = new Map<string, AddressRecord>();
  private readonly perNetwork = new Map<string, number>();

  get size(): number {
    return this.holders.size;
  }

  holder(address: string): AddressRecord | undefined {
    return this.holders.get(address);
  }

  /** How many held addresses were taken from `network` (canonical CIDR). */
  countIn(network: string): number {
    return this.perNetwork.get(network) ?? 0;
  }

  set(address: string, record: AddressRecord): void {
    this.delete(address);
    this.holders.set(address, record);
    this.perNetwork.set(record.network, this.countIn(record.network) + 1);
  }

  delete(address: string): void {
    const previous = this.holders.get(address);
    if (!previous) return;
    this.holders.delete(address);
    this.perNetwork.set(previous.network, this.countIn(previous.network) - 1);
  }
}

const NO_ADDRESSES = new VpcAddresses();

export class AddressIndex {
  private vpcs = new Map<string, VpcAddresses>();
  private revision = 0;
  private watch: Watch | null = null;
  private ready: Promise<void> | null = null;
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private readonly listeners = new Set<(vpcId: string) => void>();
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** Resolves once the index holds a complete copy; safe to call repeatedly. */
  start(): Promise<void> {
    this.ready ??= this.load().catch((err: unknown) => {
      // Storage did not answer: the next caller tries again.
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  /** The held addresses of a VPC (by `vpcId`); empty when it holds none. */
  of(vpcId: string): VpcAddresses {
    return this.vpcs.get(vpcId) ?? NO_ADDRESSES;
  }

  /**
   * Resolves once the index reflects every write storage had committed when called; fails
   * with 504 Timeout when the watch cannot catch up (storage unreachable, say).
   */
  async sync(): Promise<void> {
    await this.start();
    const revision = await this.storage.currentRevision();
    if (this.revision >= revision) return;
    // A quiet prefix sends no events: ask the watch to say how far it has got.
    this.watch?.requestProgress();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(errors.timeout(`the address index has not caught up with storage revision ${revision}`, 1)), SYNC_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.seen(revision), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once the index has applied every event up to `revision`. */
  seen(revision: number): Promise<void> {
    if (this.revision >= revision) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ revision, resolve }));
  }

  /**
   * Calls `listener` with the `vpcId` of each VPC whose held addresses change (after a
   * relist: of every VPC, since what changed meanwhile is unknown). Returns the unsubscribe.
   */
  onChange(listener: (vpcId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
    this.watch = null;
  }

  /** Lists every address key into a fresh index, swaps it in, and watches from there. */
  private async load(): Promise<void> {
    const fresh = new Map<string, VpcAddresses>();
    let revision = 0;
    let startKey: string | undefined;
    for (;;) {
      const page = await this.storage.list(ADDRESS_PREFIX, { revision, limit: PAGE_SIZE, startKey });
      revision = page.revision;
      for (const kv of page.items) apply(fresh, { type: 'put', kv, revision });
      if (!page.more || page.items.length === 0) break;
      startKey = page.items[page.items.length - 1]!.key + '\0';
    }
    if (this.closed) return;
    const before = this.vpcs;
    this.vpcs = fresh;
    for (const id of new Set([...before.keys(), ...fresh.keys()])) this.notify(id);
    this.watch = this.storage.watch(ADDRESS_PREFIX, revision, {
      onEvent: (event) => {
        const id = apply(this.vpcs, event);
        this.advance(event.revision);
        if (id) this.notify(id);
      },
      onError: (err) => this.relist(err),
      onProgress: (rev) => this.advance(rev),
    });
    this.advance(revision);
  }

  /**
   * The watch broke: keep answering from what we have (the transaction still decides) while
   * a fresh list replaces it, retrying until storage answers.
   */
  private relist(err: Error): void {
    if (this.closed) return;
    if (!(err instanceof CompactedError)) this.onError(err);
    this.watch?.close();
    this.watch = null;
    const retry = (): void => {
      if (this.closed) return;
      this.load().catch((e: Error) => {
        this.onError(e);
        setTimeout(retry, RELIST_DELAY_MS).unref();
      });
    };
    retry();
  }

  private notify(vpcId: string): void {
    for (const listener of this.listeners) listener(vpcId);
  }

  private advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.revision > revision) continue;
      this.waiters[i]!.resolve();
      this.waiters.splice(i, 1);
    }
  }
}

/** Applies one event; returns the VPC it changed (undefined for a key of another shape). */
function apply(vpcs: Map<string, VpcAddresses>, event: WatchEvent): string | undefined {
  const parsed = parseAddressKey(event.kv.key);
  if (!parsed) return undefined;
  let addresses = vpcs.get(parsed.vpcId);
  if (event.type === 'delete') {
    addresses?.delete(parsed.address);
    if (addresses?.size === 0) vpcs.delete(parsed.vpcId);
    return parsed.vpcId;
  }
  if (!addresses) vpcs.set(parsed.vpcId, (addresses = new VpcAddresses()));
  addresses.set(parsed.address, decodeRecord<AddressRecord>(event.kv));
  return parsed.vpcId;
}
