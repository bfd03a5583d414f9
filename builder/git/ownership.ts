import { lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/logger.js';

/**
 * Give files the builder's git just wrote in an existing checkout (switched
 * branch files, fetched objects, the index) back to the checkout's owner. The
 * builder runs as root, the checkout belongs to the dev container's user: a
 * root-owned object directory would make the user's next `git fetch` fail.
 * Only entries owned by the builder's own user are changed.
 * @returns how many entries changed owner
 */
export async function restoreOwnership(folder: string, log: Logger): Promise<number> {
  const me = process.getuid?.();
  if (me === undefined) return 0;
  const owner = await lstat(folder);
  if (owner.uid === me) return 0;
  let changed = 0;
  const pending = [folder];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      const info = await lstat(full);
      if (info.uid === me) {
        await lchown(full, owner.uid, owner.gid);
        changed += 1;
      }
    }
  }
  if (changed > 0) log.debug(`Gave ${changed} entries written by git back to the checkout's owner (${owner.uid}:${owner.gid})`);
  return changed;
}
