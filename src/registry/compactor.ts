// Storage history is kept for watches to resume from, but not forever: like
// kube-apiserver, compact every interval to the revision seen one interval earlier, so
// a watcher always has at least one interval to catch up before it gets 410 Gone.
import type { Logger } from 'pino';
import { CompactedError, type Storage } from '../../storage/interface.js';

export interface CompactorOptions {
  intervalMs?: number;
  logger: Logger;
}

export function startCompactor(storage: Storage, opts: CompactorOptions): { stop(): void } {
  let previous = 0;
  const timer = setInterval(() => {
    void (async () => {
      try {
        const current = await storage.currentRevision();
        if (previous > 0) {
          await storage.compact(previous);
          opts.logger.debug({ revision: previous }, 'compacted storage');
        }
        previous = current;
      } catch (err) {
        // Another apiserver on the same etcd may have compacted further already.
        if (!(err instanceof CompactedError)) opts.logger.warn({ err: (err as Error).message }, 'compaction failed');
      }
    })();
  }, opts.intervalMs ?? 5 * 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
