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
   * Image reference to tag and push the built image to after a build, so
   * later builds can use it: its build history for the classic builder, its
   * inline cache metadata (`--cache-to type=inline`) for BuildKit.
   * @default - nothing is pushed
   */
  readonly pushImageTo?: string;
  /** One sentence for the log saying which caching is active. */
  readonly summary: string;
}

/** buildx drivers that can export cache to a registry (`--cache-to type=registry`). */
const EXPORTING_DRIVERS = new Set(['docker-container', 'remote', 'kubernetes']);

/** The inline cache exporter: cache metadata in the image config, the one exporter the `docker` driver has. */
export const INLINE_CACHE_TO = 'type=inline';

/**
 * Decide the caching flags. The CLI passes `--cache-from`/`--cache-to` to
 * `docker buildx build` only when buildx is available and drops `--cache-to`
 * otherwise; it adds `--build-arg BUILDKIT_INLINE_CACHE=1` unless the
 * `--cache-to` is `type=inline` (devcontainers/cli, the buildx branch of the
 * Dockerfile build in src/spec-node/singleContainer.ts and
 * isBuildxCacheToInline). What each builder can do:
 * - no buildx: the CLI runs the classic `docker build`, which takes
 *   `--cache-from` as image names and uses one only when it is in the daemon
 *   with its build history (moby image/cache/cache.go: history and layers of
 *   the local image against each step). The builder pulls it first
 *   (steps/pull-cache.ts) and, after a build, pushes the built image to the
 *   cache reference (the classic builder keeps the history in the image);
 * - buildx, any driver: `--cache-from type=registry,ref=…`. The `docker`
 *   driver's importer looks the ref up in the daemon's image store first and
 *   reads the inline cache of the image there, else fetches it from the
 *   registry (moby builder/builder-next/adapters/localinlinecache/
 *   inlinecache.go); the builder's pull puts it there with the credentials;
 * - a driver that exports, without registry credentials:
 *   `--cache-to type=registry,ref=…,mode=max`;
 * - the `docker` driver, or any driver when the registry needs the
 *   credentials (`DOCKER_CONFIG`): `--cache-to type=inline`, the one exporter
 *   the docker driver has (moby builder/builder-next/controller.go exports
 *   only "inline"; docker/buildx build/build.go rejects any other cache-to
 *   without the CacheExport feature), then the builder pushes the image. The
 *   CLI runs repository code (`initializeCommand`) and so never gets the
 *   credentials; a registry `--cache-to` it passed could not authenticate,
 *   and buildx fails the build when the cache export fails.
 */
export function planCache(options: { cacheFrom: readonly string[]; cacheTo?: string; buildx: BuildxInfo; credentials?: boolean }): CachePlan {
  const { cacheTo, buildx } = options;
  const cacheFrom = buildx.available
    ? options.cacheFrom.map((spec) => (spec.includes('=') ? spec : `type=registry,ref=${spec}`))
    // The classic builder takes image names only: a registry spec's image, other cache types dropped.
    : options.cacheFrom.map(registryImageOf).filter((ref): ref is string => ref !== undefined);
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
  return {
    cacheFrom,
    cacheTo: INLINE_CACHE_TO,
    pushImageTo: ref,
    summary: `Cache: ${reading}; ${why}, so the image is built with inline cache metadata (--cache-to ${INLINE_CACHE_TO}) and pushed to ${ref} after a build.`,
  };
}

/**
 * The image a `--cache-from` entry reads: a plain reference as it is, the
 * `ref` of a `type=registry` spec (what buildx makes of a plain
 * reference); `undefined` for other cache types (local, gha, s3…), which
 * are no image, and for a spec without a type, which buildx rejects.
 */
export function registryImageOf(spec: string): string | undefined {
  if (!spec.includes('=')) return spec;
  const attrs = new Map(spec.split(',').map((part) => {
    const [key = '', ...value] = part.split('=');
    return [key.trim(), value.join('=').trim()] as const;
  }));
  const type = attrs.get('type');
  const ref = attrs.get('ref');
  return type === 'registry' && ref ? ref : undefined;
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
