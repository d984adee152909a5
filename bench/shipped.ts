// Benchmarks measure what ships: the compiled modules under dist/, as `npm start` runs
// them. tsx, which runs the benchmark scripts themselves, compiles with esbuild's
// keepNames, wrapping every function it creates in a naming call, a cost the product
// never pays (it made allocation look about 5 % slower than it is).
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '..');

let built = false;

/** Compiles the project (once per run) so that dist/ holds the code under measurement. */
export function buildShipped(): void {
  if (built) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

/**
 * The compiled form of a module, by its source path with a .js ending, e.g.
 * `await shipped<typeof import('../src/ipam/ipam.js')>('src/ipam/ipam.js')`.
 */
export async function shipped<T>(path: string): Promise<T> {
  buildShipped();
  return (await import(pathToFileURL(join(ROOT, 'dist', path)).href)) as T;
}
