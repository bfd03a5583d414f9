import { withPrivateDockerConfig } from '../docker-config.js';
import type { Logger } from '../log/logger.js';
import { formatDuration } from '../log/logger.js';
import { docker } from '../docker/client.js';
import { registryImageOf } from '../devcontainer/cache.js';

/** What `pullCacheImages` needs. */
export interface PullCacheOptions {
  readonly log: Logger;
  /** The `--cache-from` entries (`CachePlan.cacheFrom`): image references or `type=registry,ref=…` specs. */
  readonly refs: readonly string[];
  readonly dockerHost?: string;
  /** `DOCKER_CONFIG` with the registry credentials (copied, never used in place). @default - anonymous pulls */
  readonly dockerConfig?: string;
  readonly signal?: AbortSignal;
  /** For each image. @default 300000 */
  readonly timeoutMs?: number;
}

/**
 * Pull the cache images into the Docker host before a build, with the
 * registry credentials, so the build can use them without the Dev Containers
 * CLI (which runs repository code) ever holding the credentials: the classic
 * builder only uses local images as cache, and BuildKit's `docker` driver
 * takes the inline cache of a `type=registry` cache image from the daemon's
 * image store when the image is there (moby builder/builder-next/adapters/
 * localinlinecache/inlinecache.go, ResolveCacheImporterFunc). Other cache
 * types (local, gha, …) are no image and are left to the build. Several
 * images are pulled at the same time: each pull is mostly waiting on the
 * registry. Failures are warnings: a missing cache only makes the build
 * slower.
 * @returns the references that were pulled
 */
export async function pullCacheImages(options: PullCacheOptions): Promise<string[]> {
  const { log } = options;
  const refs = [...new Set(options.refs.map(registryImageOf).filter((ref): ref is string => ref !== undefined))];
  if (refs.length === 0) return [];
  return withPrivateDockerConfig(options.dockerConfig, async (dockerConfig) => {
    const env = dockerConfig ? { DOCKER_CONFIG: dockerConfig } : {};
    const pulled = await Promise.all(refs.map(async (ref) => {
      log.info(`Pulling the cache image ${ref}`);
      const started = performance.now();
      try {
        await docker(options, ['pull', ref], { env, timeoutMs: options.timeoutMs ?? 300_000, onLine: (line) => log.debug(line) });
        // The bench reads this line for the pull's share of a cached build (bench/registry-cache.ts).
        log.info(`Pulled the cache image ${ref} in ${formatDuration(Math.round(performance.now() - started))}`);
        return ref;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        log.warn(`Could not pull the cache image ${ref} (building without it; on the first build it does not exist yet, otherwise check the registry and its credentials): ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    }));
    return pulled.filter((ref): ref is string => ref !== undefined);
  });
}
