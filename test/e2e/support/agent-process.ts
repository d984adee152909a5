// One node agent as `npm run agent` runs it (src/cli/agent.ts), in one process (node
// with tsx's loader, no wrapper), so that stopping or killing it is what happens to a
// real agent.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE_ARGS = ['--import', 'tsx', 'src/cli/agent.ts'];
const START_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_CHARS = 200_000;

export interface AgentProcess {
  /** What the agent printed, for failure messages. */
  output(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Stops it (if it runs) and starts it again with the same command line. */
  restart(): Promise<void>;
}

/** Starts the agent and waits until it serves RIBs (`args` must include --listen). */
export async function startAgent(args: string[]): Promise<AgentProcess> {
  let child: ChildProcess;
  let output = '';
  const killOnExit = (): void => void child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = (): Promise<number | null> =>
    new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
      child.once('exit', (code) => res(code));
    });
  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = output.length;
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`agent did not start:\n${output.slice(started)}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-MAX_OUTPUT_CHARS);
        if (/serving RIBs on https:/.test(output.slice(started))) {
          clearTimeout(timer);
          res();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`agent exited with ${code}:\n${output.slice(started)}`));
      });
    });
  };
  await launch();
  const stop = async (): Promise<number | null> => {
    child.kill('SIGTERM');
    const code = await exited();
    return code;
  };
  return {
    output: () => output,
    async stop() {
      const code = await stop();
      process.off('exit', killOnExit);
      return code;
    },
    async restart() {
      await stop();
      await launch();
    },
  };
}
