import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckoutError } from '../errors.js';
import { formatDuration, type Logger } from '../log/logger.js';
import { ProcessError } from '../process.js';
import { writeBranchRecord } from './branch-record.js';
import { describeGitFailure, scrub, type GitFailureContext } from './git-failure.js';
import type { Git } from './git-runner.js';
import { partialPrefix } from './folder-state.js';
import { redactUrl } from './repo-url.js';

/** What one clone needs. */
export interface CloneOptions {
  readonly log: Logger;
  readonly git: Git;
  readonly repository: string;
  /** @default - the remote's default branch */
  readonly branch?: string;
  /** Where the checkout must appear; missing or an empty folder. */
  readonly folder: string;
  /** `performance.now()` value after which no attempt may run. */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Pauses before the 2nd, 3rd, … attempt after a network failure; its length bounds the retries. */
  readonly retryDelaysMs: readonly number[];
  readonly hasToken: boolean;
  /** The token is the template's clone credential. @default false */
  readonly cloneCredential?: boolean;
  readonly secrets: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * Clone into a temporary sibling folder and rename it into place, so the
 * checkout folder never holds half a clone: a crash leaves only the
 * temporary folder, which the next start deletes. Network failures are
 * retried a bounded number of times; every other failure throws a
 * `CheckoutError` saying what to fix.
 */
export async function cloneRepository(options: CloneOptions): Promise<void> {
  const { log, git, folder } = options;
  const failureContext: GitFailureContext = {
    action: 'clone', repository: options.repository, branch: options.branch,
    hasToken: options.hasToken, cloneCredential: options.cloneCredential, timeoutMs: options.timeoutMs, secrets: options.secrets,
  };
  const what = `${redactUrl(options.repository)} (${options.branch === undefined ? 'default branch' : `branch ${options.branch}`})`;

  for (let attempt = 1; ; attempt += 1) {
    const temp = `${partialPrefix(folder)}${Date.now()}`;
    log.info(`Cloning ${what} into ${folder}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    try {
      // blob:none fetches every commit and tree but file contents only for the checked-out commit: much faster for big histories.
      await git(['clone', '--filter=blob:none', ...(options.branch === undefined ? [] : ['--branch', options.branch]), '--', options.repository, temp], {
        timeoutMs: Math.max(1, Math.round(options.deadline - performance.now())),
        onLine: (line) => log.info(scrub(line, options.secrets)),
        tailLines: 20,
      });
      await writeBranchRecord(path.join(temp, '.git'), options.branch);
      await rename(temp, folder).catch((error: NodeJS.ErrnoException) => {
        throw new CheckoutError(`Could not move the new clone into ${folder} (${error.code ?? error.message}). The folder must be on the same volume as its parent and must not be a mount point.`, { cause: error });
      });
      return;
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (!(error instanceof ProcessError)) throw error;
      if (options.signal?.aborted) throw new CheckoutError(`Cloning ${what} was cancelled: the builder is shutting down.`, { cause: error });
      const failure = describeGitFailure(error, failureContext);
      const delay = options.retryDelaysMs[attempt - 1];
      const timeLeft = options.deadline - performance.now();
      if (!failure.retryable || delay === undefined || timeLeft <= delay) {
        throw new CheckoutError(failure.message, { cause: error, lastLines: failure.lastLines });
      }
      log.warn(`Clone attempt ${attempt} failed (${failure.lastLines.at(-1) ?? error.message}); retrying in ${formatDuration(delay)}`);
      await sleep(delay, undefined, { signal: options.signal }).catch(() => {
        throw new CheckoutError(`Cloning ${what} was cancelled: the builder is shutting down.`, { cause: error });
      });
    }
  }
}
