// A work queue as client-go's: a key added many times while it waits is worked on once, a
// key added while it is being worked on is worked on again afterwards (never twice at
// once), and a key whose work fails is retried later, backing off.
export interface WorkQueueOptions {
  /** How long a key waits before its work starts, so that bursts of changes coalesce. */
  delayMs: number;
  /** How many keys are worked on at once. */
  concurrency: number;
  onError(key: string, err: unknown): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly active = new Set<string>();
  /** Added again while active: work on it once more when done. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly ready: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private closed = false;

  constructor(
    private readonly work: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions,
  ) {}

  add(key: string, delayMs = this.options.delayMs): void {
    if (this.closed) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.push(key);
      this.pump();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.concurrency && this.ready.length) {
      const key = this.ready.shift()!;
      this.waiting.delete(key);
      this.active.add(key);
      this.running++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    let retryMs: number | undefined;
    try {
      await this.work(key);
      this.failures.delete(key);
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      retryMs = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
      if (!this.closed) this.options.onError(key, err);
    } finally {
      this.active.delete(key);
      this.running--;
    }
    if (this.dirty.delete(key)) this.add(key);
    else if (retryMs !== undefined) this.add(key, retryMs);
    this.pump();
  }
}
