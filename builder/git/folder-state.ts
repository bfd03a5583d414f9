import { readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CheckoutError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RunResult } from '../process.js';
import type { Git } from './git-runner.js';
import { redactUrl, remoteIdentity } from './repo-url.js';

/** What is at the checkout folder before the builder touches it. */
export type FolderState =
  | { readonly kind: 'missing' }
  | { readonly kind: 'empty' }
  /** A checkout of the repository: `remote` is the name of a remote pointing at it. */
  | { readonly kind: 'ours'; readonly remote: string }
  /** Something the builder must not use and must not delete; `reason` says what it is. */
  | { readonly kind: 'foreign'; readonly reason: string };

/**
 * Classify the checkout folder. Only a git work tree whose HEAD is a commit
 * and which has a remote for `repository` counts as ours; a crashed in-place
 * clone, a repository of another remote, or plain files are `foreign`.
 */
export async function inspectFolder(git: Git, folder: string, repository: string): Promise<FolderState> {
  const info = await stat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info === undefined) return { kind: 'missing' };
  if (!info.isDirectory()) return { kind: 'foreign', reason: 'it is a file, not a folder' };
  const entries = await readdir(folder);
  if (entries.length === 0) return { kind: 'empty' };
  if (!entries.includes('.git')) return { kind: 'foreign', reason: 'it holds files but is not a git repository' };

  const quiet = { onLine: 'quiet', allowFailure: true } as const;
  // Anything but a clear verdict from git (permissions, ownership, a broken
  // git) must stop the builder rather than move a possibly good checkout aside.
  const unsure = (result: RunResult) => new CheckoutError(
    `Could not inspect the existing checkout in ${folder}; it was left untouched. Fix the cause and restart the workspace.`,
    { lastLines: result.tail },
  );
  const gitDir = await git(['-C', folder, 'rev-parse', '--absolute-git-dir'], quiet);
  if (gitDir.exitCode !== 0) {
    if (/not a git repository/i.test(gitDir.stderr)) return { kind: 'foreign', reason: 'it has a .git entry that git does not recognize as a repository' };
    throw unsure(gitDir);
  }
  const head = await git(['-C', folder, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], quiet);
  // --quiet: exit 1 without output means "no such commit"; other failures print why.
  if (head.exitCode === 1 && head.stderr.trim() === '') return { kind: 'foreign', reason: 'it is a git repository without a valid HEAD (an interrupted clone or an empty repository)' };
  if (head.exitCode !== 0) throw unsure(head);
  const top = await git(['-C', folder, 'rev-parse', '--show-toplevel'], quiet);
  // git reports the real path; the folder may be reached through a symbolic link.
  if (top.exitCode !== 0 || path.resolve(top.stdout.trim()) !== (await realpath(folder))) {
    return { kind: 'foreign', reason: 'its .git does not make it the top of a work tree' };
  }

  const wanted = remoteIdentity(repository);
  const remotes = await git(['-C', folder, 'config', '--get-regexp', '^remote\\..*\\.url$'], quiet);
  const urls = remotes.stdout.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const [key, ...rest] = line.split(' ');
    return { name: key.replace(/^remote\./, '').replace(/\.url$/, ''), url: rest.join(' ') };
  });
  const match = urls.find((r) => wanted !== undefined && remoteIdentity(r.url) === wanted);
  if (match) return { kind: 'ours', remote: match.name };
  const seen = urls.map((r) => redactUrl(r.url)).join(', ') || 'no remotes';
  return { kind: 'foreign', reason: `it is a checkout of another repository (${seen})` };
}

/**
 * Move a folder the builder cannot use next to itself as
 * `<folder>.orphaned-<UTC time>`, so nothing in it is lost. Returns the new path.
 */
export async function moveAside(folder: string, now = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let target = `${folder}.orphaned-${stamp}`;
  for (let n = 2; await exists(target); n += 1) target = `${folder}.orphaned-${stamp}-${n}`;
  await rename(folder, target);
  return target;
}

/** The prefix of temporary clone folders: `<parent>/.<name>.partial-`. */
export function partialPrefix(folder: string): string {
  return path.join(path.dirname(folder), `.${path.basename(folder)}.partial-`);
}

/**
 * Delete temporary clone folders left by a crashed attempt. They only ever
 * hold a clone in progress, never user work: the checkout appears at
 * `folder` only by the final rename.
 */
export async function removePartialClones(folder: string, log: Logger): Promise<number> {
  const prefix = path.basename(partialPrefix(folder));
  const parent = path.dirname(folder);
  const leftovers = (await readdir(parent).catch(() => [] as string[])).filter((name) => name.startsWith(prefix));
  for (const name of leftovers) {
    log.warn(`Removing ${path.join(parent, name)}, an unfinished clone left by an earlier attempt that was interrupted`);
    await rm(path.join(parent, name), { recursive: true, force: true });
  }
  return leftovers.length;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}
