import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { toBuilderError } from '../step-boundary.js';
import { idLabelsFor } from '../devcontainer/args.js';
import { docker } from '../docker/client.js';
import { FALLBACK_LABEL, removeRecoveryContainers } from './dev-containers.js';

/** What `startFallbackContainer` needs. */
export interface FallbackOptions {
  readonly log: Logger;
  /** `DEVCONTAINER_FALLBACK_IMAGE`. */
  readonly image: string;
  /** The checkout; mounted where the Dev Containers CLI mounts it (`/workspaces/<folder name>`). */
  readonly workspaceFolder: string;
  /** The recorded generation, whose id labels `agent` looks for. @default 0 */
  readonly generation?: number;
  readonly dockerHost?: string;
  readonly signal?: AbortSignal;
}

/** The recovery container, described like a dev container so `agent` can use it. */
export interface FallbackResult {
  readonly containerId: string;
  readonly remoteUser: string;
  readonly remoteWorkspaceFolder: string;
}

// Keeps PID 1 alive and lets `docker stop` end it at once (SIGTERM → exit 0).
const KEEP_ALIVE = 'trap "exit 0" TERM INT; while sleep 3600 & wait $!; do :; done';

/**
 * Start `image` as a recovery container when there is no dev container at
 * all: the workspace is mounted where the dev container would have it and the
 * container carries the same id label, so `agent` finds it and the user can
 * connect and fix the configuration. An older recovery container is removed
 * first; a container without FALLBACK_LABEL (a dev container, however
 * broken) never is.
 */
export async function startFallbackContainer(options: FallbackOptions): Promise<FallbackResult> {
  const { log, workspaceFolder } = options;
  const target = path.posix.join('/workspaces', path.basename(workspaceFolder));
  try {
    await removeRecoveryContainers({ log, workspaceFolder, dockerHost: options.dockerHost, signal: options.signal });
    const created = await docker(options, [
      'run', '-d',
      ...idLabelsFor(workspaceFolder, options.generation).flatMap((label) => ['--label', label]),
      '--label', FALLBACK_LABEL,
      '--mount', `type=bind,source=${workspaceFolder},target=${target}`,
      '--workdir', target,
      '--entrypoint', '/bin/sh',
      options.image, '-c', KEEP_ALIVE,
    ], { timeoutMs: 10 * 60_000, onLine: 'log' });
    const containerId = created.stdout.trim().split('\n').pop() ?? '';
    return { containerId, remoteUser: 'root', remoteWorkspaceFolder: target };
  } catch (error) {
    throw toBuilderError('fallback', error, `Could not start the recovery container from DEVCONTAINER_FALLBACK_IMAGE ${options.image}`);
  }
}
