import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CheckoutError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ProcessError } from '../process.js';
import { describeGitFailure } from './git-failure.js';
import type { Git } from './git-runner.js';

/** What {@link updateSubmodules} needs. */
export interface SubmoduleOptions {
  readonly log: Logger;
  /**
   * The checkout's git runner, trusting the given submodule work trees as
   * `safe.directory` as well: the same environment, so the same token
   * (credential helper for the repository's origin) and ssh command as the
   * main clone, never in argv or `.git/config`.
   */
  readonly gitFor: (safeSubfolders: readonly string[]) => Git;
  readonly folder: string;
  readonly repository: string;
  /** `performance.now()` value after which no git call may start. */
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly hasToken: boolean;
  readonly secrets: readonly string[];
  readonly signal?: AbortSignal;
}

/** What happened to the submodules; failures are warnings, the workspace starts anyway. */
export interface SubmoduleResult {
  /** Submodules cloned this start (paths relative to the checkout, nested ones included in their parent's clone). */
  readonly initialized: readonly string[];
  /** Submodules left alone, and why. */
  readonly kept: readonly { readonly path: string; readonly reason: string }[];
  /** Submodules git could not clone, and why. */
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
  /** Absolute paths git wrote (for `restoreOwnership` in an existing checkout). */
  readonly written: readonly string[];
}

/** One line of `git submodule status`: state, recorded commit and path. */
export interface SubmoduleStatus {
  /** ` ` checked out at the recorded commit, `-` not initialized, `+` another commit checked out, `U` merge conflicts (git-submodule(1), status). */
  readonly state: ' ' | '-' | '+' | 'U';
  readonly commit: string;
  readonly path: string;
}

/** Parse `git submodule status` (no `--recursive`): `<state><sha1> <path>[ (<describe>)]`. */
export function parseSubmoduleStatus(stdout: string): SubmoduleStatus[] {
  const entries: SubmoduleStatus[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^([ +\-U])([0-9a-f]{7,64}) (.+?)(?: \(.*\))?$/.exec(line);
    if (match) entries.push({ state: match[1] as SubmoduleStatus['state'], commit: match[2]!, path: match[3]! });
  }
  return entries;
}

const MAX_SUBMODULES = 200;
const MAX_DEPTH = 5;

/**
 * Every submodule path that `.gitmodules` files already in the checkout
 * declare, relative to it (nested ones below checked-out submodules too).
 * Read as a config file (`git config --file`), which needs no repository.
 */
export async function declaredSubmodulePaths(git: Git, folder: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const file = path.join(folder, dir, '.gitmodules');
    if (depth > MAX_DEPTH || found.length >= MAX_SUBMODULES || !(await isFile(file))) return;
    const listed = await git(['config', '--file', file, '--get-regexp', '^submodule\\..*\\.path$'], { onLine: 'quiet', allowFailure: true });
    for (const line of listed.stdout.split('\n')) {
      const sub = line.replace(/^\S+ /, '').trim();
      if (sub === '' || line.indexOf(' ') === -1) continue;
      const rel = path.posix.normalize(path.posix.join(dir, sub));
      if (rel.startsWith('..') || path.isAbsolute(rel) || found.includes(rel)) continue;
      found.push(rel);
      await visit(rel, depth + 1);
    }
  };
  await visit('', 0);
  return found;
}

/**
 * Clone the submodules `.gitmodules` declares that are not there yet, with
 * `git submodule update --init --recursive --filter=blob:none` per missing
 * submodule. Nothing else is touched: a submodule that is checked out (at
 * the recorded commit or another one, with or without local changes) stays
 * as it is, and one whose folder already holds files is not cloned into;
 * both are named in a warning. Nested submodules of checked-out ones are
 * handled the same way. A clone that fails (network, credentials) is a
 * warning too: the workspace starts with what there is.
 */
export async function updateSubmodules(o: SubmoduleOptions): Promise<SubmoduleResult> {
  const result = { initialized: [] as string[], kept: [] as { path: string; reason: string }[], failed: [] as { path: string; reason: string }[], written: [] as string[] };
  if (!(await isFile(path.join(o.folder, '.gitmodules')))) return result;
  const declared = await declaredSubmodulePaths(o.gitFor([]), o.folder);
  const git = o.gitFor(declared);
  const timeLeft = () => Math.round(o.deadline - performance.now());

  const visit = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return;
    const cwd = path.join(o.folder, dir);
    const status = await git(['-C', cwd, 'submodule', 'status'], { onLine: 'quiet', allowFailure: true });
    if (status.exitCode !== 0) {
      result.kept.push({ path: dir || '.', reason: `git submodule status failed (${status.tail.at(-1) ?? `exit ${status.exitCode}`})` });
      return;
    }
    for (const entry of parseSubmoduleStatus(status.stdout)) {
      const rel = path.posix.join(dir, entry.path);
      if (entry.state === '+') result.kept.push({ path: rel, reason: `it has another commit checked out than the repository records (${entry.commit.slice(0, 12)}); run \`git submodule update -- ${rel}\` in the workspace to move it` });
      else if (entry.state === 'U') result.kept.push({ path: rel, reason: 'it has merge conflicts' });
      else if (entry.state === ' ') await visit(rel, depth + 1);
      else if (await hasEntries(path.join(o.folder, rel))) result.kept.push({ path: rel, reason: 'it is not initialized but its folder already holds files, which a clone would have to overwrite' });
      else if (timeLeft() <= 1000) result.failed.push({ path: rel, reason: 'the checkout time limit (DEVCONTAINER_CLONE_TIMEOUT_SECONDS) ran out before it' });
      else await clone(cwd, entry.path, rel);
    }
  };
  const clone = async (cwd: string, sub: string, rel: string): Promise<void> => {
    o.log.info(`Cloning submodule ${rel}`);
    try {
      await git(['-C', cwd, 'submodule', 'update', '--init', '--recursive', '--filter=blob:none', '--', sub], { timeoutMs: timeLeft(), onLine: 'quiet', tailLines: 20 });
      result.initialized.push(rel);
    } catch (error) {
      if (!(error instanceof ProcessError)) throw error;
      if (o.signal?.aborted) throw new CheckoutError('Checkout was cancelled: the builder is shutting down.', { cause: error });
      const failure = describeGitFailure(error, { action: `clone of submodule ${rel}`, repository: o.repository, hasToken: o.hasToken, timeoutMs: o.timeoutMs, secrets: o.secrets });
      // A URL in .gitmodules may carry a user or password of its own: never repeat one.
      const last = failure.lastLines.at(-1)?.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
      result.failed.push({ path: rel, reason: `${failure.message}${last === undefined ? '' : ` (git: ${last})`}` });
    }
  };

  await visit('', 0);
  if (result.initialized.length > 0) {
    const common = await git(['-C', o.folder, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { onLine: 'quiet', allowFailure: true });
    const gitDir = common.exitCode === 0 ? common.stdout.trim() : path.join(o.folder, '.git');
    result.written.push(path.join(gitDir, 'config'), path.join(gitDir, 'modules'), ...result.initialized.map((rel) => path.join(o.folder, rel)));
    o.log.info(`Submodules: cloned ${result.initialized.join(', ')}.`);
  }
  for (const kept of result.kept) o.log.warn(`Submodule ${kept.path} is left as it is: ${kept.reason}.`);
  for (const failed of result.failed) o.log.warn(`Submodule ${failed.path} could not be cloned, the workspace starts without it: ${failed.reason} It is tried again at the next start.`);
  return result;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
}

async function hasEntries(dir: string): Promise<boolean> {
  return readdir(dir).then((entries) => entries.length > 0, () => false);
}
