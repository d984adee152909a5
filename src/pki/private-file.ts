import { open } from 'node:fs/promises';

/**
 * Writes data readable by the owner only. The mode is set on the open handle before
 * any byte is written, so secrets never sit in a file that an older, wider mode (or a
 * permissive umask on first creation) would let others read.
 */
export async function writePrivateFile(path: string, data: string): Promise<void> {
  const handle = await open(path, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}
