import { readdir, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
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
  /**
   * A git repository that is not a plain checkout of the repository (another
   * remote, a mirror or SSH alias, an unborn or orphan branch, not the top of
   * its work tree): the user's, used as it is. `reason` says what differs.
   */
  | { readonly kind: 'repository'; readonly reason: string }
  /** Git could not tell what the folder is (permissions, a broken `.git`): kept as it is. */
  | { readonly kind: 'unreadable'; readonly reason: string }
  /** Files, or a file, that are no git repository: the only thing the builder may move. `reason`: "a folder with files" or "a file". */
  | { readonly kind: 'not-git'; readonly reason: string };

/**
 * Classify the checkout folder. Only a git work tree whose HEAD is a commit,
 * whose top is the folder and which has a remote for `repository` counts as
 * ours; any other repository git recognizes is the user's, and anything git
 * cannot read is kept too. Only a folder that git clearly says is no
 * repository, and that has no `.git` entry, is `not-git`.
 */
export async function inspectFolder(git: Git, folder: string, repository: string): Promise<FolderState> {
  let entries: string[];
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) return { kind: 'not-git', reason: 'a file' };
    entries = await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', reason: `the builder cannot read it (${code ?? String(error)})` };
  }
  if (entries.length === 0) return { kind: 'empty' };

  const quiet = { onLine: 'quiet', allowFailure: true } as const;
  const why = (result: RunResult) => result.stderr.trim().split('\n').at(-1) || `git exited with code ${result.exitCode}`;
  const gitDir = await git(['-C', folder, 'rev-parse', '--absolute-git-dir'], quiet);
  if (gitDir.exitCode !== 0) {
    // A bare repository has no .git entry but git still recognizes it, so ask git first.
    if (/not a git repository/i.test(gitDir.stderr) && !entries.includes('.git')) return { kind: 'not-git', reason: 'a folder with files' };
    return { kind: 'unreadable', reason: `git cannot read it as a repository: ${why(gitDir)}` };
  }

  const reasons: string[] = [];
  const head = await git(['-C', folder, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], quiet);
  // --quiet: exit 1 without output means "no such commit"; other failures print why.
  if (head.exitCode === 1 && head.stderr.trim() === '') {
    const branch = await git(['-C', folder, 'symbolic-ref', '--quiet', '--short', 'HEAD'], quiet);
    reasons.push(`its branch ${branch.exitCode === 0 ? `${branch.stdout.trim()} ` : ''}has no commit yet (a new repository or an orphan branch)`);
  } else if (head.exitCode !== 0) {
    return { kind: 'unreadable', reason: `git cannot read its HEAD: ${why(head)}` };
  }
  const top = await git(['-C', folder, 'rev-parse', '--show-toplevel'], quiet);
  // git reports the real path; the folder may be reached through a symbolic link.
  if (top.exitCode !== 0) reasons.push('git sees no work tree at it (a bare repository?)');
  else if (path.resolve(top.stdout.trim()) !== (await realpath(folder))) reasons.push(`its work tree is ${top.stdout.trim()}, not the folder itself`);

  const wanted = remoteIdentity(repository);
  const remotes = await git(['-C', folder, 'config', '--get-regexp', '^remote\\..*\\.url$'], quiet);
  const urls = remotes.stdout.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const [key, ...rest] = line.split(' ');
    return { name: key.replace(/^remote\./, '').replace(/\.url$/, ''), url: rest.join(' ') };
  });
  const match = urls.find((r) => wanted !== undefined && remoteIdentity(r.url) === wanted);
  if (match === undefined) {
    const seen = urls.map((r) => `${r.name} is ${redactUrl(r.url)}`).join(', ') || 'it has no remote';
    reasons.push(`${seen}, the repository parameter is ${redactUrl(repository)}`);
  }
  if (reasons.length > 0 || match === undefined) return { kind: 'repository', reason: reasons.join('; ') };
  return { kind: 'ours', remote: match.name };
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
