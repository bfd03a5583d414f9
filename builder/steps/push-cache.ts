import { withPrivateDockerConfig } from '../docker-config.js';
import type { Logger } from '../log/logger.js';
import { docker, imageOf } from '../docker/client.js';

/** What `pushCacheImage` needs. */
export interface PushCacheOptions {
  readonly log: Logger;
  readonly containerId: string;
  /** Where to push (`CachePlan.pushImageTo`). */
  readonly ref: string;
  readonly dockerHost?: string;
  /** `DOCKER_CONFIG` with the registry credentials, for the push only (copied, never used in place). @default - none */
  readonly dockerConfig?: string;
  readonly signal?: AbortSignal;
  /** @default 600000 */
  readonly timeoutMs?: number;
}

/**
 * Tag the dev container's image (built with inline cache metadata) as the
 * cache reference and push it, so later builds can use it with
 * `--cache-from`. A cache is an optimisation: failures are logged as
 * warnings and never fail the build.
 * @returns whether the push succeeded
 */
export async function pushCacheImage(options: PushCacheOptions): Promise<boolean> {
  const { log, ref } = options;
  const timeoutMs = options.timeoutMs ?? 600_000;
  try {
    const image = await imageOf(options, options.containerId, { timeoutMs });
    await docker(options, ['tag', image, ref], { timeoutMs });
    log.info(`Pushing the dev container image to the cache ${ref}`);
    // With the cache pull, the only commands that get the credentials
    // (children start from an allow-listed environment), and through a
    // writable private copy: the Secret is mounted read-only.
    await withPrivateDockerConfig(options.dockerConfig, async (dockerConfig) => {
      const credentials = dockerConfig ? { DOCKER_CONFIG: dockerConfig } : {};
      await docker(options, ['push', ref], { timeoutMs, env: credentials, onLine: (line) => log.debug(line) });
    });
    log.info(`Cache image pushed to ${ref}`);
    return true;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    log.warn(`Could not push the cache image to ${ref} (the next cold build will be slower; check the registry credentials): ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}
