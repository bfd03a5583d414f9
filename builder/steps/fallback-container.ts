import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { BuilderError } from '../errors.js';
import { ProcessError, run } from '../process.js';
import { idLabelFor } from '../devcontainer/args.js';

/** Label marking a recovery container, so the next `up` replaces it. */
export const FALLBACK_LABEL = 'devcontainer-builder.fallback=true';

/** What `startFallbackContainer` needs. */
export interface FallbackOptions {
  readonly log: Logger;
  /** `DEVCONTAINER_FALLBACK_IMAGE`. */
  readonly image: string;
  /** The checkout; mounted where the Dev Containers CLI mounts it (`/workspaces/<folder name>`). */
  readonly workspaceFolder: string;
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
 * Start `image` as a recovery container in place of a dev container that
 * could not be built: the workspace is mounted where the dev container has it and the
 * container carries the same id label, so `agent` finds it and the user can
 * connect and fix the configuration. Any container with that label (the
 * broken dev container, an older recovery container) is removed first.
 */
export async function startFallbackContainer(options: FallbackOptions): Promise<FallbackResult> {
  const { log, workspaceFolder } = options;
  const target = path.posix.join('/workspaces', path.basename(workspaceFolder));
  const docker = (args: string[], onLine: 'log' | 'quiet' = 'quiet') =>
    run(log, 'docker', args, { env: options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined, signal: options.signal, timeoutMs: 10 * 60_000, onLine });
  try {
    const existing = (await docker(['ps', '-aq', '--filter', `label=${idLabelFor(workspaceFolder)}`])).stdout.split('\n').filter(Boolean);
    if (existing.length > 0) await docker(['rm', '-f', ...existing]);
    const created = await docker([
      'run', '-d',
      '--label', idLabelFor(workspaceFolder),
      '--label', FALLBACK_LABEL,
      '--mount', `type=bind,source=${workspaceFolder},target=${target}`,
      '--workdir', target,
      '--entrypoint', '/bin/sh',
      options.image, '-c', KEEP_ALIVE,
    ], 'log');
    const containerId = created.stdout.trim().split('\n').pop() ?? '';
    return { containerId, remoteUser: 'root', remoteWorkspaceFolder: target };
  } catch (error) {
    const tail = error instanceof ProcessError ? error.tail : [];
    throw new BuilderError('fallback', `Could not start the recovery container from DEVCONTAINER_FALLBACK_IMAGE ${options.image}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, lastLines: tail });
  }
}
