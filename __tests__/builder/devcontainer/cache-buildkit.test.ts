// Target 4 of issue 13, BuildKit "by construction": this machine has no
// buildx, so the bench measures the classic builder only; these are the
// arguments the builder gives the Dev Containers CLI for each builder, which
// the CLI hands to `docker buildx build` as they are (devcontainers/cli, the
// buildx branch of the Dockerfile build in src/spec-node/singleContainer.ts:
// each --cache-from, the --cache-to, and BUILDKIT_INLINE_CACHE=1 only when
// the --cache-to is not type=inline).
//
// What the `docker` driver (the default builder of a Docker daemon, what
// Docker-in-Docker offers) supports, from the sources:
// - cache import `type=registry`: moby builder/builder-next/controller.go
//   registers the "registry" importer, localinlinecache
//   (adapters/localinlinecache/inlinecache.go), which takes the inline cache
//   of the ref from the daemon's image store when the image is there, else
//   from the registry;
// - cache export: only "inline" is registered there, and docker/buildx
//   build/build.go (toSolveOpt) rejects any other --cache-to type on a
//   driver without the CacheExport feature, which the docker driver lacks.
import { describe, expect, it } from 'vitest';
import { buildArgs, upArgs } from '../../../builder/devcontainer/args.js';
import { INLINE_CACHE_TO, planCache, registryImageOf, type BuildxInfo } from '../../../builder/devcontainer/cache.js';

const REPO = 'registry.example.test:5000/team/devcontainer-cache';
const DOCKER_DRIVER: BuildxInfo = { available: true, driver: 'docker' };

/** The `--cache-from` / `--cache-to` pairs of an argv, in order. */
function cacheFlags(args: readonly string[]): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === '--cache-from' || a === '--cache-to') out.push([a, args[i + 1] ?? '']);
  });
  return out;
}

describe('BuildKit cache arguments (issue 13.4)', () => {
  it('docker driver: imports the cache as type=registry and exports it inline, in up and in build alike; the builder pushes the image', () => {
    const cache = planCache({ cacheFrom: [REPO], cacheTo: REPO, buildx: DOCKER_DRIVER });
    const expected = [['--cache-from', `type=registry,ref=${REPO}`], ['--cache-to', 'type=inline']];
    expect(cacheFlags(upArgs({ workspaceFolder: '/workspaces/r', cache }))).toEqual(expected);
    expect(cacheFlags(buildArgs({ workspaceFolder: '/workspaces/r', cache }))).toEqual(expected);
    expect(cache.pushImageTo).toBe(REPO);
    // No registry export: the docker driver has none, and buildx would fail the build on it.
    expect(cache.cacheTo).toBe(INLINE_CACHE_TO);
    expect(cache.cacheTo).not.toMatch(/type=registry/);
  });

  it('docker driver with registry credentials: the same (the CLI never holds them), the pull and the push use them', () => {
    const cache = planCache({ cacheFrom: [REPO], cacheTo: REPO, buildx: DOCKER_DRIVER, credentials: true });
    expect(cacheFlags(upArgs({ workspaceFolder: '/w', cache }))).toEqual([['--cache-from', `type=registry,ref=${REPO}`], ['--cache-to', 'type=inline']]);
    expect(cache.pushImageTo).toBe(REPO);
  });

  it('the image the builder pulls before the build is the ref of each type=registry import', () => {
    const cache = planCache({ cacheFrom: [REPO, `type=registry,ref=${REPO}:other`, 'type=local,src=/tmp/c'], buildx: DOCKER_DRIVER });
    expect(cache.cacheFrom).toEqual([`type=registry,ref=${REPO}`, `type=registry,ref=${REPO}:other`, 'type=local,src=/tmp/c']);
    expect(cache.cacheFrom.map(registryImageOf)).toEqual([REPO, `${REPO}:other`, undefined]);
  });

  it('an exporting driver without credentials exports a registry cache (mode=max) and pushes nothing itself', () => {
    const cache = planCache({ cacheFrom: [REPO], cacheTo: REPO, buildx: { available: true, driver: 'docker-container' } });
    expect(cacheFlags(upArgs({ workspaceFolder: '/w', cache }))).toEqual([['--cache-from', `type=registry,ref=${REPO}`], ['--cache-to', `type=registry,ref=${REPO},mode=max`]]);
    expect(cache.pushImageTo).toBeUndefined();
  });

  it('an unknown driver (buildx inspect failed) gets the inline export, which every driver has', () => {
    expect(planCache({ cacheFrom: [], cacheTo: REPO, buildx: { available: true } }).cacheTo).toBe(INLINE_CACHE_TO);
  });

  it('the classic builder gets image names only and no --cache-to (the CLI drops it without buildx)', () => {
    const cache = planCache({ cacheFrom: [REPO, `type=registry,ref=${REPO}:b,mode=max`, 'type=gha'], cacheTo: REPO, buildx: { available: false } });
    expect(cacheFlags(upArgs({ workspaceFolder: '/w', cache }))).toEqual([['--cache-from', REPO], ['--cache-from', `${REPO}:b`]]);
    expect(cache.pushImageTo).toBe(REPO);
  });

  it('registryImageOf: plain references, registry specs, and nothing for other types or a spec without a type', () => {
    expect(registryImageOf('ghcr.io/o/c:t')).toBe('ghcr.io/o/c:t');
    expect(registryImageOf('type=registry,ref=ghcr.io/o/c:t,mode=max')).toBe('ghcr.io/o/c:t');
    expect(registryImageOf(' type = registry , ref = r/c ')).toBe('r/c');
    expect(registryImageOf('type=local,src=/tmp/c')).toBeUndefined();
    expect(registryImageOf('ref=r/c')).toBeUndefined();
    expect(registryImageOf('type=registry')).toBeUndefined();
  });
});
