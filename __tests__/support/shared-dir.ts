// The shared tooling next to the checkout (`../shared`: provider schemas and
// tfvalidate, see ../shared/tfvalidate/README.md). A git worktree elsewhere
// points at it with SHARED_DIR. Absent on a laptop: tests that need it skip
// with a message there, and fail in CI (CI=true).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** The shared folder, or undefined when there is none. */
export function sharedDir(): string | undefined {
  const dir = process.env.SHARED_DIR ?? join(repoRoot, '..', 'shared');
  return existsSync(dir) ? dir : undefined;
}

/** True in CI, where a missing tool is a failure rather than a skip. */
export const IN_CI = process.env.CI === 'true';
