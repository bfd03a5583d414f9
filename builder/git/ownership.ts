import { lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { formatDuration, type Logger } from '../log/logger.js';

/** What the builder wrote into an existing checkout this start. */
export interface RestoreOptions {
  /**
   * Absolute paths the builder's git (or the builder) wrote: a directory
   * (the git directory) is walked whole; a file is checked with its parent
   * folders up to the checkout, which git may have created for it.
   */
  readonly paths: readonly string[];
  /** Stop after this long and warn. @default 30 s */
  readonly timeBudgetMs?: number;
}

/**
 * Give what the builder's git just wrote in an existing checkout (switched
 * branch files, fetched objects, the index, the branch record) back to the
 * checkout's owner. The builder runs as root, the checkout belongs to the
 * dev container's user: a root-owned object directory would make the user's
 * next `git fetch` fail. Only the given paths are looked at (never the whole
 * work tree: `node_modules` alone can hold 100,000 files), only entries owned
 * by the builder's own user change owner (files of other users keep theirs),
 * and the walk stops with a warning when its time is up.
 * @returns how many entries changed owner
 */
export async function restoreOwnership(folder: string, log: Logger, options: RestoreOptions): Promise<number> {
  const me = process.getuid?.();
  if (me === undefined || options.paths.length === 0) return 0;
  const owner = await lstat(folder);
  if (owner.uid === me) return 0;
  const budget = options.timeBudgetMs ?? 30_000;
  const deadline = performance.now() + budget;
  const seen = new Set<string>();
  let changed = 0;

  const give = async (full: string): Promise<'dir' | 'other' | undefined> => {
    if (seen.has(full)) return undefined;
    seen.add(full);
    const info = await lstat(full).catch(() => undefined); // deleted by the switch
    if (info === undefined) return undefined;
    if (info.uid === me) {
      await lchown(full, owner.uid, owner.gid);
      changed += 1;
    }
    return info.isDirectory() ? 'dir' : 'other';
  };

  const outOfTime = () => performance.now() > deadline;
  let stopped = false;
  for (const start of options.paths) {
    if (outOfTime()) { stopped = true; break; }
    const relative = path.relative(folder, start);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
      // New parent folders of a new file.
      let dir = folder;
      for (const part of relative.split(path.sep).slice(0, -1)) {
        dir = path.join(dir, part);
        await give(dir);
      }
    }
    if ((await give(start)) !== 'dir') continue;
    const pending = [start];
    while (pending.length > 0 && !stopped) {
      const dir = pending.pop() as string;
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (outOfTime()) { stopped = true; break; }
        const full = path.join(dir, entry.name);
        if ((await give(full)) === 'dir') pending.push(full);
      }
    }
    if (stopped) break;
  }
  if (stopped) {
    log.warn(`Stopped giving files written by git back to the checkout's owner (${owner.uid}:${owner.gid}) after ${formatDuration(budget)}; some files in ${folder}, most likely under .git, may still belong to root. If git in the workspace says "permission denied", run \`sudo chown -R "$(id -u):$(id -g)" .git\` in the checkout.`);
  }
  if (changed > 0) log.debug(`Gave ${changed} entries written by git back to the checkout's owner (${owner.uid}:${owner.gid})`);
  return changed;
}
