// A linearizable read from memory needs a storage revision read after the request
// arrived; many concurrent requests can share one such read. A caller joins the next
// read that starts after it asked, never one already in flight (that one may predate
// writes the caller has seen acknowledged).
import type { Storage } from '../../storage/interface.js';

export class ConsistentRevision {
  private inFlight: Promise<number> | null = null;
  private queued: Promise<number> | null = null;

  constructor(private readonly storage: Storage) {}

  read(): Promise<number> {
    if (!this.inFlight) return this.start();
    this.queued ??= this.inFlight
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.queued = null;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<number> {
    const read = this.storage.currentRevision().finally(() => {
      if (this.inFlight === read) this.inFlight = null;
    });
    this.inFlight = read;
    return read;
  }
}
