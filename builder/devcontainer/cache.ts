/** What the builder learnt about `docker buildx` on the Docker host. */
export interface BuildxInfo {
  /** `docker buildx version` worked. */
  readonly available: boolean;
  /** Driver of the current builder (`docker`, `docker-container`, …), from `docker buildx inspect`. */
  readonly driver?: string;
}

/** How the image build uses the cache registry. */
export interface CachePlan {
  /** Passed as `--cache-from`, one each. */
  readonly cacheFrom: readonly string[];
  /** Passed as `--cache-to`. @default - not passed */
  readonly cacheTo?: string;
  /**
   * Image reference to tag and push the built image to after a build, so its
   * inline cache metadata (the CLI adds `BUILDKIT_INLINE_CACHE=1` whenever
   * BuildKit builds without `--cache-to`) seeds later builds.
   * @default - nothing is pushed
   */
  readonly pushImageTo?: string;
  /** One sentence for the log saying which caching is active. */
  readonly summary: string;
}

/** buildx drivers that can export cache to a registry (`--cache-to type=registry`). */
const EXPORTING_DRIVERS = new Set(['docker-container', 'remote', 'kubernetes']);

/**
 * Decide the caching flags. The CLI passes `--cache-to` to `docker buildx
 * build` only when buildx is available and silently drops it otherwise; and
 * the default `docker` driver (what Docker-in-Docker offers) rejects registry
 * cache export. So:
 * - no buildx: the CLI runs the classic `docker build`, which uses a
 *   `--cache-from` image only when it is in the daemon (the builder pulls it
 *   first, steps/pull-cache.ts) and needs no inline metadata: the builder
 *   pushes the built image to the cache reference;
 * - a driver that exports, without registry credentials:
 *   `--cache-to type=registry,ref=…,mode=max`;
 * - the `docker` driver, or any driver when the registry needs the
 *   credentials (`DOCKER_CONFIG`): inline cache metadata in the image, then
 *   the builder pushes the image itself. The CLI runs repository code
 *   (`initializeCommand`) and so never gets the credentials; a `--cache-to`
 *   it passed could not authenticate, and buildx fails the build when the
 *   cache export fails.
 */
export function planCache(options: { cacheFrom: readonly string[]; cacheTo?: string; buildx: BuildxInfo; credentials?: boolean }): CachePlan {
  const { cacheFrom, cacheTo, buildx } = options;
  const reading = cacheFrom.length > 0 ? `reading layer cache from ${cacheFrom.join(', ')}` : 'no cache to read from';
  if (!cacheTo) {
    return { cacheFrom, summary: `Cache: ${reading}; not writing one (DEVCONTAINER_CACHE_TO is not set).` };
  }
  if (!buildx.available) {
    const ref = cacheImageRef(cacheTo);
    return {
      cacheFrom,
      pushImageTo: ref,
      summary: `Cache: ${reading}; "docker buildx version" failed, so the classic builder builds (the Dev Containers CLI ignores --cache-to without buildx) and the image is pushed to ${ref} after a build.`,
    };
  }
  if (buildx.driver && EXPORTING_DRIVERS.has(buildx.driver) && !options.credentials) {
    const exportSpec = cacheTo.includes('=') ? cacheTo : `type=registry,ref=${cacheTo},mode=max`;
    return { cacheFrom, cacheTo: exportSpec, summary: `Cache: ${reading}; exporting build cache with --cache-to ${exportSpec} (buildx driver ${buildx.driver}).` };
  }
  const ref = cacheImageRef(cacheTo);
  const why = buildx.driver && EXPORTING_DRIVERS.has(buildx.driver)
    ? `the registry credentials (DOCKER_CONFIG) are kept from the Dev Containers CLI, so buildx driver "${buildx.driver}" does not export the cache itself`
    : `buildx driver "${buildx.driver ?? 'unknown'}" cannot export a registry cache`;
  return { cacheFrom, pushImageTo: ref, summary: `Cache: ${reading}; ${why}, so the image is built with inline cache metadata and pushed to ${ref} after a build.` };
}

/** The image reference in a cache spec: `type=registry,ref=X,…` → `X`; a plain reference stays as it is. */
export function cacheImageRef(spec: string): string {
  if (!spec.includes('=')) return spec;
  const ref = spec.split(',').map((p) => p.split('=')).find(([k]) => k?.trim() === 'ref');
  return ref?.slice(1).join('=').trim() || spec;
}

/** The driver of the current builder in `docker buildx inspect` output (`Driver:   docker`). */
export function parseBuildxDriver(inspectOutput: string): string | undefined {
  const match = /^Driver:\s*(\S+)/m.exec(inspectOutput);
  return match?.[1];
}
