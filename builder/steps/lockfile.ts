import { createGit } from '../git/git-runner.js';
import type { Logger } from '../log/logger.js';

// Where the CLI writes its lock file for the two configurations it finds
// without `--config`: next to the file, `.devcontainer-lock.json` when the
// configuration's name starts with a dot (devcontainers/cli
// src/spec-configuration/lockfile.ts, getLockfilePath).
const LOCKFILES = ['.devcontainer/devcontainer-lock.json', '.devcontainer-lock.json'];

/**
 * Whether the repository tracks a `devcontainer-lock.json` for its
 * configuration. When it does not, the builder passes `--no-lockfile`, so the
 * CLI (which writes one by default since 0.87) leaves no new file that git
 * reports in the checkout. Any git failure counts as "not tracked".
 */
export async function tracksLockfile(log: Logger, folder: string, signal?: AbortSignal): Promise<boolean> {
  const git = createGit({ log, repository: '', folder, signal });
  const listed = await git(['ls-files', '--', ...LOCKFILES], { cwd: folder, timeoutMs: 30_000, onLine: 'quiet', allowFailure: true }).catch(() => undefined);
  return listed !== undefined && listed.exitCode === 0 && listed.stdout.trim().length > 0;
}
