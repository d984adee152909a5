import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireBinary } from './binaries.js';

export interface RunningEtcd {
  /** Client URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  dataDir: string;
  /** Kills etcd and removes its data directory. */
  stop(): Promise<void>;
}

const startTimeoutMs = 20_000;

/** A port nobody listens on right now, found by letting the kernel pick one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not determine a free port');
  return address.port;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/** Starts a private single-member etcd on free loopback ports with a temporary data dir. */
export async function startEtcd(): Promise<RunningEtcd> {
  const binary = requireBinary('etcd');
  const dataDir = await mkdtemp(join(tmpdir(), 'etcd-test-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    binary,
    [
      '--name', 'test',
      '--data-dir', dataDir,
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `test=${peerUrl}`,
      '--logger=zap', '--log-outputs=stderr', '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  // A test runner that dies must not leave etcd behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (running) child.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + startTimeoutMs;
  while (!(await answers(endpoint))) {
    if (!running || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not become healthy on ${endpoint}${running ? ' in time' : ' (exited)'}:\n${stderr}`);
    }
    await sleep(50);
  }
  return { endpoint, dataDir, stop };
}
