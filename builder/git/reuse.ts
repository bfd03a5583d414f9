import path from 'node:path';
import { CheckoutError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ProcessError, type RunResult } from '../process.js';
import { readBranchRecord, writeBranchRecord } from './branch-record.js';
import { describeGitFailure, type GitFailure, type GitFailureContext } from './git-failure.js';
import type { Git } from './git-runner.js';

/** What reusing an existing checkout needs. */
export interface ReuseOptions {
  readonly log: Logger;
  readonly git: Git;
  readonly folder: string;
  /** The remote that points at the repository. */
  readonly remote: string;
  readonly repository: string;
  /** @default - the remote's default branch */
  readonly branch?: string;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly hasToken: boolean;
  /** The token is the template's clone credential. @default false */
  readonly cloneCredential?: boolean;
  readonly secrets: readonly string[];
  /** Aborted when the builder shuts down: then a failed git call is a cancel, not a reason to keep going. */
  readonly signal?: AbortSignal;
}

/** What reusing did. */
export interface ReuseResult {
  /** See `CheckoutResult.action`. */
  readonly action: 'reused' | 'switched' | 'kept-dirty' | 'kept-offline';
  /** Absolute paths the builder's git wrote this start (see `restoreOwnership`); empty when it wrote nothing. */
  readonly written: readonly string[];
}

/**
 * Use the checkout that is already there. Nothing is reset, cleaned, stashed
 * or overwritten: when the branch parameter changed since the last start the
 * checkout switches only if the tree is clean (untracked files count as
 * changes) and the switch overwrites no ignored file; otherwise it stays and
 * a warning names the branch it kept. When the remote cannot give the new
 * branch (missing branch, rejected token, unreachable host) the checkout
 * stays too: a usable workspace beats a failed start.
 */
export async function reuseCheckout(o: ReuseOptions): Promise<ReuseResult> {
  const { log, folder } = o;
  const git = (args: readonly string[], extra: Parameters<Git>[1] = {}) => o.git(['-C', folder, ...args], { onLine: 'quiet', ...extra });
  const gitDir = (await git(['rev-parse', '--absolute-git-dir'])).stdout.trim();
  const head = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true });
  const current = head.exitCode === 0 ? head.stdout.trim() : undefined;
  const currentName = current ?? 'a detached HEAD';
  const record = await readBranchRecord(gitDir);
  const changed = record === undefined
    ? o.branch !== undefined && o.branch !== current
    : record.requestedBranch !== (o.branch ?? null);
  const written: string[] = [];
  const result = (action: ReuseResult['action']): ReuseResult => ({ action, written });

  if (!changed) {
    if (o.branch !== undefined && o.branch !== current) {
      log.info(`Staying on ${currentName}, which was checked out in the workspace; the branch parameter (${o.branch}) has not changed since the last start.`);
    }
    if (record === undefined) written.push(await writeBranchRecord(gitDir, o.branch));
    log.info(`Reusing the checkout in ${folder} on ${currentName}; uncommitted work is kept as it is.`);
    return result('reused');
  }

  const failureContext = (action: string, branch?: string): GitFailureContext => ({
    action, repository: o.repository, branch, hasToken: o.hasToken, cloneCredential: o.cloneCredential, timeoutMs: o.timeoutMs, secrets: o.secrets,
  });
  const describe = (error: ProcessError, action: string, branch?: string): GitFailure => {
    if (o.signal?.aborted) throw new CheckoutError('Checkout was cancelled: the builder is shutting down.', { cause: error });
    return describeGitFailure(error, failureContext(action, branch));
  };
  const timeLeft = () => Math.max(1, Math.round(o.deadline - performance.now()));
  const remoteCall = async (args: readonly string[], action: string, branch?: string): Promise<RunResult | GitFailure> => {
    try {
      return await git(args, { timeoutMs: timeLeft() });
    } catch (error) {
      if (!(error instanceof ProcessError)) throw error;
      return describe(error, action, branch);
    }
  };
  const keepOffline = (what: string, failure: GitFailure | string): ReuseResult => {
    const message = typeof failure === 'string' ? failure : failure.message;
    const last = typeof failure === 'string' || failure.lastLines.length === 0 ? '' : ` (git: ${failure.lastLines.at(-1)})`;
    log.warn(`Could not ${what}, so ${folder} stays on ${currentName} as it is and the workspace starts with it. ${message}${last} The switch is tried again at the next start.`);
    return result('kept-offline');
  };

  let target = o.branch;
  if (target === undefined) {
    const listing = await remoteCall(['ls-remote', '--symref', o.remote, 'HEAD'], 'ls-remote');
    if (!('stdout' in listing)) return keepOffline('look up the default branch of the repository', listing);
    target = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listing.stdout)?.[1];
    if (target === undefined) return keepOffline('look up the default branch of the repository', `${o.remote} did not name a default branch: set the branch parameter (DEVCONTAINER_BRANCH).`);
  }
  if (target === current) {
    written.push(await writeBranchRecord(gitDir, o.branch));
    log.info(`Reusing the checkout in ${folder}, already on ${target}; uncommitted work is kept as it is.`);
    return result('reused');
  }

  const status = await git(['status', '--porcelain']);
  const changes = status.stdout.split('\n').filter((l) => l.trim() !== '').length;
  if (changes > 0) {
    log.warn(`The branch parameter is now ${target}, but ${folder} has ${changes} uncommitted or untracked change${changes === 1 ? '' : 's'} on ${currentName}. Keeping ${currentName} so nothing is lost; commit or stash the changes and restart the workspace to switch to ${target}.`);
    return result('kept-dirty');
  }

  log.info(`The branch parameter changed: switching ${folder} from ${currentName} to ${target}`);
  const commonDir = (await git(['rev-parse', '--path-format=absolute', '--git-common-dir'])).stdout.trim();
  // A fetch writes objects and refs even when it fails half-way.
  written.push(gitDir, commonDir);
  const fetched = await remoteCall(['fetch', '--quiet', o.remote, `+refs/heads/${target}:refs/remotes/${o.remote}/${target}`], `fetch of branch ${target}`, target);
  if (!('stdout' in fetched)) return keepOffline(`fetch branch ${target}`, fetched);
  const before = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  const local = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${target}`], { allowFailure: true });
  // git switch overwrites ignored files by default (git-switch(1), --overwrite-ignore): refuse instead.
  const switchArgs = local.exitCode === 0
    ? ['switch', '--no-overwrite-ignore', target]
    : ['switch', '--no-overwrite-ignore', '--create', target, '--track', `${o.remote}/${target}`];
  let switched: RunResult;
  try {
    // A partial clone fetches the new branch's file contents here, so this too may fail on the network.
    // git fetches them all in one batch before it writes any file, and dies with the tree untouched when that fails.
    switched = await git(switchArgs, { timeoutMs: timeLeft(), allowFailure: true });
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    return keepOffline(`switch to ${target}`, describe(error, `switch to ${target}`, target));
  }
  if (switched.exitCode !== 0) {
    if (/would be overwritten by checkout/.test(switched.stderr)) {
      const files = switched.stderr.split('\n').filter((l) => l.startsWith('\t')).map((l) => l.trim());
      const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? `, and ${files.length - 5} more` : '');
      log.warn(`The branch parameter is now ${target}, but switching would overwrite ${files.length === 1 ? 'a file' : `${files.length} files`} that ${target} tracks and ${folder} holds as ignored or untracked on ${currentName} (${shown}). Keeping ${currentName} so nothing is lost; move ${files.length === 1 ? 'that file' : 'those files'} away and restart the workspace to switch to ${target}.`);
      return result('kept-dirty');
    }
    const error = new ProcessError(`git exited with code ${switched.exitCode}`, switched.command, switched.exitCode, undefined, false, switched.tail);
    return keepOffline(`switch to ${target}`, describe(error, `switch to ${target}`, target));
  }
  const diff = await git(['diff', '--name-only', '--no-renames', '-z', before, 'HEAD'], { allowFailure: true });
  written.push(...diff.stdout.split('\0').filter((p) => p !== '').map((p) => path.join(folder, p)));
  if (local.exitCode === 0) {
    const behind = await git(['rev-list', '--count', `${target}..${o.remote}/${target}`], { allowFailure: true });
    const count = Number.parseInt(behind.stdout.trim(), 10);
    if (count > 0) log.info(`Local branch ${target} is ${count} commit${count === 1 ? '' : 's'} behind ${o.remote}/${target}; it was not updated (run git pull in the workspace).`);
  }
  written.push(await writeBranchRecord(gitDir, o.branch));
  return result('switched');
}
