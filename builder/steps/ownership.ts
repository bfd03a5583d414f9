import type { Logger } from '../log/logger.js';
import { ProcessError } from '../process.js';
import { execScript } from '../docker/client.js';

/** What `fixOwnership` needs. */
export interface OwnershipOptions {
  readonly log: Logger;
  readonly containerId: string;
  /** The dev container's `remoteUser`; `root` (or a numeric root) means nothing to do. */
  readonly remoteUser: string;
  /** The checkout as the container sees it (`remoteWorkspaceFolder`). */
  readonly folder: string;
  readonly dockerHost?: string;
  readonly signal?: AbortSignal;
  /** Bound of the whole walk. @default 600000 */
  readonly timeoutMs?: number;
}

// Runs in the container as root: $1 the folder, $2 the owner. Only files
// owned by root (what the builder's clone and git created) change hands;
// files of other users (a database folder written by a service's own user)
// keep theirs. -xdev stays out of other mounts inside the checkout; -h
// changes a symbolic link itself, never what it points to.
/** The in-container script (`sh -c`, as root) that gives root's files in the checkout to the remote user. */
export function ownershipScript(): string {
  return [
    'command -v find >/dev/null 2>&1 || { echo "find is not installed in the dev container" >&2; exit 127; }',
    'find "$1" -xdev -user 0 -exec chown -h -- "$2" {} +',
  ].join('\n');
}

/**
 * Give the files of the checkout that root owns to the dev container's
 * `remoteUser`. The builder clones as root, so without this a non-root user
 * could not write their own files. Runs inside the container as root, where
 * the user's name resolves (the builder image does not know the dev
 * container's users). A failure is a warning: the workspace still starts.
 * @returns whether the files were given to the user
 */
export async function fixOwnership(options: OwnershipOptions): Promise<{ changed: boolean }> {
  const { log, remoteUser } = options;
  if (remoteUser === 'root' || remoteUser === '0' || remoteUser.startsWith('0:')) {
    log.debug('The dev container runs as root: the checkout keeps its owner.');
    return { changed: false };
  }
  // `user:` (trailing colon) also sets the group to the user's login group.
  const owner = remoteUser.includes(':') ? remoteUser : `${remoteUser}:`;
  log.info(`Giving the files root owns in ${options.folder} to ${remoteUser}`);
  try {
    await execScript(options, options.containerId, ownershipScript(), { user: 'root', args: [options.folder, owner], timeoutMs: options.timeoutMs ?? 10 * 60_000 });
    return { changed: true };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    log.warn(`Could not give ${options.folder} to ${remoteUser} (${error instanceof Error ? error.message : String(error)}): files the builder created stay root's and may not be writable for ${remoteUser}.`);
    for (const line of (error instanceof ProcessError ? error.tail : []).slice(-5)) log.warn(`  | ${line}`);
    return { changed: false };
  }
}
