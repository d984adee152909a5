// Stopping without cutting anyone off: readiness fails first so load balancers stop
// sending (kube's --shutdown-delay-duration), then no new connections are taken, watches
// end with a clean end of stream (clients re-watch on another replica), requests in
// flight get a grace period to finish, and storage closes last.
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ShutdownSteps {
  server: Server;
  /** Makes /readyz fail from now on. */
  startDraining(): void;
  /** Ends every open watch stream cleanly (closing the watch caches does). */
  endWatches(): void;
  closeStorage(): Promise<void>;
  /** How long the server keeps serving after readiness fails. Default 0. */
  drainDelayMs?: number;
  /** The longest wait for requests in flight before their connections are cut. Default 30 s. */
  graceMs?: number;
}

export async function gracefulShutdown(steps: ShutdownSteps): Promise<void> {
  steps.startDraining();
  if (steps.drainDelayMs) await sleep(steps.drainDelayMs);
  const { server } = steps;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  steps.endWatches();
  const grace = setTimeout(() => server.closeAllConnections(), steps.graceMs ?? 30_000);
  await closed;
  clearTimeout(grace);
  await steps.closeStorage();
}
