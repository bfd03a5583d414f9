import type { Logger } from '../log/logger.js';
import { run } from '../process.js';

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
}

/**
 * Give the checkout to the dev container's `remoteUser`. The builder clones
 * as root, so without this a non-root user could not write their own files.
 * Runs `chown` inside the container as root, where the user's name resolves
 * (the builder image does not know the dev container's users).
 * @returns whether anything was run
 */
export async function fixOwnership(options: OwnershipOptions): Promise<{ changed: boolean }> {
  const { log, remoteUser } = options;
  if (remoteUser === 'root' || remoteUser === '0' || remoteUser.startsWith('0:')) {
    log.debug('The dev container runs as root: the checkout keeps its owner.');
    return { changed: false };
  }
  // `user:` (trailing colon) also sets the group to the user's login group.
  const owner = remoteUser.includes(':') ? remoteUser : `${remoteUser}:`;
  log.info(`Giving ${options.folder} to ${remoteUser}`);
  await run(log, 'docker', ['exec', '-u', 'root', options.containerId, 'chown', '-R', '--', owner, options.folder], {
    env: options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined,
    signal: options.signal,
    timeoutMs: 10 * 60_000,
    onLine: 'quiet',
  });
  return { changed: true };
}
