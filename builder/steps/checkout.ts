import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { CheckoutError } from '../errors.js';
import { formatDuration, type Logger } from '../log/logger.js';
import { cloneRepository } from '../git/clone.js';
import { inspectFolder, moveAside, removePartialClones } from '../git/folder-state.js';
import { createGit } from '../git/git-runner.js';
import { restoreOwnership } from '../git/ownership.js';
import { parseRepoUrl, redactUrl } from '../git/repo-url.js';
import { reuseCheckout } from '../git/reuse.js';

/** What `checkout` needs. */
export interface CheckoutContext {
  readonly log: Logger;
  /** https or ssh git URL, without credentials. */
  readonly repository: string;
  /** @default - the remote's default branch (on a fresh clone; an existing checkout keeps its branch) */
  readonly branch?: string;
  /** Absolute path of the checkout. */
  readonly folder: string;
  /** Offered to the repository's https origin through a credential helper reading the environment. @default - no credentials */
  readonly githubToken?: string;
  /** Bound for the whole step, retries included. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Pauses before retrying a clone after a network failure; the length bounds the retries. @default [2000, 5000] */
  readonly retryDelaysMs?: readonly number[];
}

/** What the checkout step did. */
export interface CheckoutResult {
  readonly folder: string;
  /** The branch checked out now, or `HEAD` when detached. */
  readonly branch: string;
  /** Full commit id of HEAD. */
  readonly commit: string;
  /**
   * `cloned`: a fresh clone; `reused`: the existing checkout as it was;
   * `switched`: the existing checkout moved to the new branch parameter;
   * `kept-dirty`: the branch parameter changed but uncommitted work kept the old branch;
   * `recovered`: leftovers of a crash or an unusable folder were cleared away, then cloned.
   */
  readonly action: 'cloned' | 'reused' | 'switched' | 'kept-dirty' | 'recovered';
  readonly freshClone: boolean;
  readonly durationMs: number;
}

/**
 * Make `folder` a checkout of `repository`. Uncommitted work is never reset,
 * cleaned, stashed or overwritten, and nothing that is not an unfinished
 * clone of the builder's own is ever deleted: unusable folders are moved
 * aside to `<folder>.orphaned-<time>`.
 */
export async function checkout(ctx: CheckoutContext): Promise<CheckoutResult> {
  const start = performance.now();
  const deadline = start + ctx.timeoutMs;
  const { log } = ctx;
  const folder = path.resolve(ctx.folder);
  const parsed = parseRepoUrl(ctx.repository);
  if (typeof parsed === 'string') throw new CheckoutError(`DEVCONTAINER_REPOSITORY ${parsed}.`);
  if (ctx.githubToken !== undefined && parsed.transport !== 'http') {
    log.info(`GH_TOKEN is not used: ${redactUrl(ctx.repository)} is not an https URL.`);
  }
  const secrets = ctx.githubToken === undefined ? [] : [ctx.githubToken];
  await mkdir(path.dirname(folder), { recursive: true });
  const realFolder = path.join(await realpath(path.dirname(folder)), path.basename(folder));
  const git = createGit({ log, repository: ctx.repository, githubToken: ctx.githubToken, folder, realFolder, signal: ctx.signal });
  const common = { log, git, repository: ctx.repository, branch: ctx.branch, deadline, timeoutMs: ctx.timeoutMs, hasToken: ctx.githubToken !== undefined, secrets };
  // Without a working git, every later check would misread the folder.
  await git(['--version'], { onLine: 'quiet' }).catch((error: unknown) => {
    if (ctx.signal?.aborted) throw new CheckoutError('Checkout was cancelled: the builder is shutting down.', { cause: error });
    throw new CheckoutError('git cannot run in the builder (is it installed in the builder image?)', { cause: error });
  });
  let recovered = (await removePartialClones(folder, log)) > 0;
  const state = await inspectFolder(git, folder, ctx.repository);

  let action: CheckoutResult['action'];
  if (state.kind === 'ours') {
    action = await reuseCheckout({ ...common, folder, remote: state.remote });
    await restoreOwnership(folder, log);
  } else {
    if (state.kind === 'foreign') {
      const movedTo = await moveAside(folder);
      log.warn(`${folder} could not be used (${state.reason}). It was moved, untouched, to ${movedTo}; copy anything you need from there. Cloning afresh.`);
      recovered = true;
    }
    await cloneRepository({ ...common, folder, retryDelaysMs: ctx.retryDelaysMs ?? [2000, 5000], signal: ctx.signal });
    action = recovered ? 'recovered' : 'cloned';
  }

  const quiet = { onLine: 'quiet' } as const;
  const branch = (await git(['-C', folder, 'rev-parse', '--abbrev-ref', 'HEAD'], quiet)).stdout.trim();
  const commit = (await git(['-C', folder, 'rev-parse', 'HEAD'], quiet)).stdout.trim();
  const durationMs = Math.round(performance.now() - start);
  log.info(`Checkout ${action}: ${folder} on ${branch} at ${commit.slice(0, 12)} (${formatDuration(durationMs)})`);
  return { folder, branch, commit, action, freshClone: action === 'cloned' || action === 'recovered', durationMs };
}
