import { CheckoutError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ProcessError, type RunResult } from '../process.js';
import { readBranchRecord, writeBranchRecord } from './branch-record.js';
import { describeGitFailure, type GitFailureContext } from './git-failure.js';
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
  readonly secrets: readonly string[];
}

/**
 * Use the checkout that is already there. Nothing is reset, cleaned, stashed
 * or overwritten: when the branch parameter changed since the last start the
 * checkout switches only if the tree is clean (untracked files count as
 * changes); otherwise it stays and a warning names the branch it kept.
 */
export async function reuseCheckout(o: ReuseOptions): Promise<'reused' | 'switched' | 'kept-dirty'> {
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

  if (!changed) {
    if (o.branch !== undefined && o.branch !== current) {
      log.info(`Staying on ${currentName}, which was checked out in the workspace; the branch parameter (${o.branch}) has not changed since the last start.`);
    }
    if (record === undefined) await writeBranchRecord(gitDir, o.branch);
    log.info(`Reusing the checkout in ${folder} on ${currentName}; uncommitted work is kept as it is.`);
    return 'reused';
  }

  const failureContext = (action: string, branch?: string): GitFailureContext => ({
    action, repository: o.repository, branch, hasToken: o.hasToken, timeoutMs: o.timeoutMs, secrets: o.secrets,
  });
  const remoteCall = async (args: readonly string[], action: string, branch?: string): Promise<RunResult> => {
    try {
      return await git(args, { timeoutMs: Math.max(1, Math.round(o.deadline - performance.now())) });
    } catch (error) {
      if (!(error instanceof ProcessError)) throw error;
      const failure = describeGitFailure(error, failureContext(action, branch));
      throw new CheckoutError(failure.message, { cause: error, lastLines: failure.lastLines });
    }
  };

  let target = o.branch;
  if (target === undefined) {
    const listing = await remoteCall(['ls-remote', '--symref', o.remote, 'HEAD'], 'ls-remote');
    target = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listing.stdout)?.[1];
    if (target === undefined) throw new CheckoutError(`Could not find the default branch of ${o.remote}: the remote did not name one. Set the branch parameter (DEVCONTAINER_BRANCH).`);
  }
  if (target === current) {
    await writeBranchRecord(gitDir, o.branch);
    log.info(`Reusing the checkout in ${folder}, already on ${target}; uncommitted work is kept as it is.`);
    return 'reused';
  }

  const status = await git(['status', '--porcelain']);
  const changes = status.stdout.split('\n').filter((l) => l.trim() !== '').length;
  if (changes > 0) {
    log.warn(`The branch parameter is now ${target}, but ${folder} has ${changes} uncommitted or untracked change${changes === 1 ? '' : 's'} on ${currentName}. Keeping ${currentName} so nothing is lost; commit or stash the changes and restart the workspace to switch to ${target}.`);
    return 'kept-dirty';
  }

  log.info(`The branch parameter changed: switching ${folder} from ${currentName} to ${target}`);
  await remoteCall(['fetch', '--quiet', o.remote, `+refs/heads/${target}:refs/remotes/${o.remote}/${target}`], `fetch of branch ${target}`, target);
  const local = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${target}`], { allowFailure: true });
  const switchArgs = local.exitCode === 0 ? ['switch', target] : ['switch', '--create', target, '--track', `${o.remote}/${target}`];
  await remoteCall(switchArgs, `switch to ${target}`, target);
  if (local.exitCode === 0) {
    const behind = await git(['rev-list', '--count', `${target}..${o.remote}/${target}`], { allowFailure: true });
    const count = Number.parseInt(behind.stdout.trim(), 10);
    if (count > 0) log.info(`Local branch ${target} is ${count} commit${count === 1 ? '' : 's'} behind ${o.remote}/${target}; it was not updated (run git pull in the workspace).`);
  }
  await writeBranchRecord(gitDir, o.branch);
  return 'switched';
}
