// When a prefix enters or leaves a namespace's kernel routing table, to the millisecond:
// `ip monitor route` reports each change as the kernel makes it, so nothing is polled
// and the timing is the kernel's, not a polling interval's.
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireBinary } from '../../test/support/binaries.js';

type Waiter = { prefix: string; present: boolean; resolve(at: number): void };

export class FibMonitor {
  /** Prefixes in the table since the monitor started. */
  private readonly present = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  private buffer = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.read(chunk, performance.now()));
  }

  static async start(netns: string): Promise<FibMonitor> {
    const child = spawn(requireBinary('ip'), ['-n', netns, '-4', 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    // The netlink subscription follows the exec; give it a moment before anything changes.
    await sleep(200);
    return new FibMonitor(child);
  }

  /** performance.now() when the prefix was (or already is) in the table, or out of it. */
  until(prefix: string, present: boolean, timeoutMs: number): Promise<number> {
    if (this.present.has(prefix) === present) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        prefix,
        present,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${prefix} not ${present ? 'in' : 'out of'} the table within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }

  // Lines look like `198.18.0.0/24 nhid 12 via 10.0.0.0 dev to-n1 proto bgp metric 20`,
  // or the same after `Deleted `.
  private read(chunk: string, at: number): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const m = /^(Deleted )?(\S+)/.exec(line);
      if (!m) continue;
      const prefix = m[2]!;
      const present = !m[1];
      if (present) this.present.add(prefix);
      else this.present.delete(prefix);
      for (const w of [...this.waiters]) {
        if (w.prefix !== prefix || w.present !== present) continue;
        this.waiters.delete(w);
        w.resolve(at);
      }
    }
  }
}
