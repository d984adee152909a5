// Noticing that files changed on disk: fs.watch on their directories for promptness, and
// a periodic re-read because fs.watch misses changes on some filesystems and across the
// symlink swap Kubernetes uses to update mounted Secrets and ConfigMaps.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface FileWatch {
  close(): void;
}

export interface FileWatchOptions {
  /** How often the files are re-read whatever fs.watch says. Default 10 s. */
  pollIntervalMs?: number;
  /** A read failed (the file is missing for a moment during a replacement, say). */
  onError?: (err: unknown) => void;
}

/**
 * Calls `onChange` with the files' contents whenever they differ from `initial` (or the
 * last contents seen). Writers replace files one at a time, so a call may see a new
 * certificate with an old key: the receiver validates and simply waits for the next call.
 */
export function watchFiles(
  paths: string[],
  initial: string[],
  onChange: (contents: string[]) => void,
  options: FileWatchOptions = {},
): FileWatch {
  let last = initial.join('\0');
  let checking: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const check = async (): Promise<void> => {
    try {
      const contents = await Promise.all(paths.map((path) => readFile(path, 'utf8')));
      const joined = contents.join('\0');
      if (closed || joined === last) return;
      last = joined;
      onChange(contents);
    } catch (err) {
      options.onError?.(err);
    }
  };
  // One read at a time; events that arrive during a read cause exactly one more.
  const schedule = (): void => {
    if (closed) return;
    if (checking) {
      again = true;
      return;
    }
    checking = check().finally(() => {
      checking = null;
      if (again) {
        again = false;
        schedule();
      }
    });
  };

  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((path) => dirname(path)))) {
    try {
      const watcher = watch(dir, { persistent: false }, schedule);
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // The directory cannot be watched here: polling alone keeps the files current.
    }
  }
  const poll = setInterval(schedule, options.pollIntervalMs ?? 10_000);
  poll.unref();

  return {
    close() {
      closed = true;
      clearInterval(poll);
      for (const watcher of watchers) watcher.close();
    },
  };
}
