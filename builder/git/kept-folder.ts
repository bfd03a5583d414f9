import { appendFile, lstat, mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/logger.js';
import type { Git } from './git-runner.js';

/**
 * A non-empty folder that is not a git repository stands where the checkout
 * must go. It is never deleted and must stay reachable from the dev
 * container, which mounts only the checkout (the Dev Containers CLI mounts
 * the workspace folder's git root at `/workspaces/<its name>`:
 * devcontainers/cli, src/spec-node/utils.ts, getWorkspaceConfiguration). So
 * it moves in two renames on the same volume, each of which a crash leaves
 * whole:
 *
 * 1. `<folder>` → `<parent>/.<name>.kept-<UTC time>` (staged), then the clone;
 * 2. staged → `<folder>/.devcontainer-builder-kept-<UTC time>`, after
 *    `.git/info/exclude` lists that name, so git never reports it.
 *
 * Every start looks for staged folders and finishes step 2.
 */

/** Name of a kept folder inside the checkout, without the time. */
export const KEPT_PREFIX = '.devcontainer-builder-kept-';
const EXCLUDE_LINE = `/${KEPT_PREFIX}*`;

function stagingPrefix(folder: string): string {
  return `.${path.basename(folder)}.kept-`;
}

/** `20261201T221500Z`: sorts by time, valid in a file name. */
export function utcStamp(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

async function freeName(base: string): Promise<string> {
  let target = base;
  for (let n = 2; await stat(target).then(() => true, () => false); n += 1) target = `${base}-${n}`;
  return target;
}

/** Step 1: move `folder` to a staging sibling. Returns the staged path. */
export async function stageForKeeping(folder: string, now = new Date()): Promise<string> {
  const staged = await freeName(path.join(path.dirname(folder), `${stagingPrefix(folder)}${utcStamp(now)}`));
  await rename(folder, staged);
  return staged;
}

/** Staged folders of this start or of an earlier one that was interrupted, oldest first. */
export async function stagedFolders(folder: string): Promise<string[]> {
  const prefix = stagingPrefix(folder);
  const names = await readdir(path.dirname(folder)).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix)).sort().map((n) => path.join(path.dirname(folder), n));
}

/** The clone failed: put a folder staged by this start back where it was. */
export async function unstage(staged: string, folder: string, log: Logger): Promise<void> {
  try {
    await rename(staged, folder);
  } catch (error) {
    log.warn(`Could not move ${staged} back to ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)}); it stays there untouched and moves into the checkout at the next start that clones.`);
  }
}

/** Where a kept folder appears in the dev container, as the CLI mounts the checkout by default. */
export function containerPath(folder: string, inside: string): string {
  return path.posix.join('/workspaces', path.basename(folder), path.relative(folder, inside));
}

/**
 * Step 2: move every staged folder into the checkout at `folder`, under a
 * name `.git/info/exclude` hides from git. Returns the exclude file (written
 * by the builder, for handing ownership back) and where the folders went;
 * a moved folder keeps its owners.
 */
export async function adoptStaged(git: Git, folder: string, log: Logger): Promise<{ exclude?: string; moved: string[] }> {
  const staged = await stagedFolders(folder);
  if (staged.length === 0) return { moved: [] };
  const exclude = (await git(['-C', folder, 'rev-parse', '--path-format=absolute', '--git-path', 'info/exclude'], { onLine: 'quiet' })).stdout.trim();
  const current = await readFile(exclude, 'utf8').catch(() => '');
  // Excluded before anything moves in: a crash in between never leaves a folder git reports.
  if (!current.split('\n').includes(EXCLUDE_LINE)) {
    await mkdir(path.dirname(exclude), { recursive: true });
    await appendFile(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}# Files devcontainer-builder found in the workspace folder before the clone\n${EXCLUDE_LINE}\n`);
  }
  const moved: string[] = [];
  for (const from of staged) {
    const stamp = path.basename(from).slice(stagingPrefix(folder).length);
    const to = await freeName(path.join(folder, `${KEPT_PREFIX}${stamp}`));
    try {
      // A file that stood where the checkout goes keeps its name, inside a kept folder.
      if ((await lstat(from)).isDirectory()) await rename(from, to);
      else await mkdir(to).then(() => rename(from, path.join(to, path.basename(folder))));
    } catch (error) {
      log.warn(`Could not move ${from} into the checkout (${(error as NodeJS.ErrnoException).code ?? String(error)}); it stays there untouched and the next start tries again.`);
      continue;
    }
    moved.push(to);
    log.warn(`${folder} was not a git repository, so the repository could not be cloned there. Nothing was deleted: what it held is now in ${containerPath(folder, to)} in the dev container (unless devcontainer.json mounts the workspace elsewhere; ${to} in the workspace volume), a folder git ignores. Copy what you need from there, then delete it.`);
  }
  return { exclude, moved };
}
