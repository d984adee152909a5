// The one place the agent runs vtysh. Every FRR interaction (configuration, state) goes
// through here, bounded by a timeout so a wedged daemon cannot stall the agent.
import { execFile } from 'node:child_process';

export interface VtyshTarget {
  /** FRR path space (`-N`): sockets under /var/run/frr/<pathspace>/. Empty for the default one. */
  pathspace: string;
  /** The vtysh binary; `vtysh` from PATH when unset. */
  binary?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
// `show bgp … json` of a full table is large; the default 1 MiB would cut it.
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** vtysh exited non-zero, timed out or could not run; `output` is what it printed. */
export class VtyshError extends Error {
  constructor(
    message: string,
    readonly output: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'VtyshError';
  }
}

/**
 * Runs the commands in one vtysh session, in order (`-c` each). vtysh stops at the first
 * command that fails; the commands before it have taken effect.
 */
export function vtysh(target: VtyshTarget, commands: readonly string[]): Promise<string> {
  const args = [...(target.pathspace ? ['-N', target.pathspace] : []), ...commands.flatMap((c) => ['-c', c])];
  return new Promise((resolve, reject) => {
    execFile(
      target.binary ?? 'vtysh',
      args,
      { timeout: target.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const output = `${stdout}${stderr}`.trim();
        const timedOut = error.killed === true;
        const reason = timedOut ? `timed out after ${target.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : (output || error.message);
        reject(new VtyshError(`vtysh${target.pathspace ? ` -N ${target.pathspace}` : ''}: ${reason}`, output, timedOut));
      },
    );
  });
}

/**
 * Runs `show … json` commands in one vtysh session and parses what each printed.
 * Every command must print exactly one JSON document: those that print nothing when
 * there is nothing to show (`show evpn vni json`) go in a call of their own, where
 * nothing comes back as undefined.
 */
export async function vtyshJson<T>(target: VtyshTarget, commands: readonly string[]): Promise<(T | undefined)[]> {
  const output = await vtysh(target, commands);
  const documents = splitJsonDocuments(output);
  if (documents.length === 0 && commands.length === 1) return [undefined];
  if (documents.length !== commands.length) {
    throw new VtyshError(`vtysh: ${commands.length} commands printed ${documents.length} JSON documents: ${output.slice(0, 200)}`, output, false);
  }
  try {
    return documents.map((d) => JSON.parse(d) as T);
  } catch {
    throw new VtyshError(`vtysh: "${commands.join('; ')}" did not print JSON: ${output.slice(0, 200)}`, output, false);
  }
}

/** The top-level `{…}` documents of text that holds several, one after the other. */
function splitJsonDocuments(text: string): string[] {
  const documents: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) documents.push(text.slice(start, i + 1));
  }
  return documents;
}
