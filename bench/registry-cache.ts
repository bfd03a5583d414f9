// Bench 3 of issue 5: a second workspace (fresh volumes, empty DinD) building
// the same dev container with `--cache-from` a local registry that the first
// workspace filled.
//
// No buildx exists on this machine (neither on the host engine nor in the
// DinD image, Debian's docker.io 20.10), so the builder cannot export a
// cache (builder/devcontainer/cache.ts: without buildx it only reads) and
// the Dev Containers CLI builds with the classic builder, which uses a
// `--cache-from` image only when it is already in the daemon. So the bench
// fills the registry by pushing the first workspace's image itself (what the
// builder does with a buildx "docker" driver: push the image with inline
// cache metadata), then measures two second workspaces:
//   B: as the builder runs it (DEVCONTAINER_CACHE_FROM set, nothing pulled);
//   C: the same, with the cache image pulled into DinD before the builder runs.
import { DEV_BASE_IMAGE, devContainerId, dind, runCleanups, setUpEnv, templateValues, waitForReports, type E2eEnv } from '../__tests__/e2e/workspace-pod.js';
import type { FixtureRepo } from '../__tests__/support/git-server.js';
import { loadImageInto, testImages } from '../__tests__/support/images.js';
import { PodRunner } from '../__tests__/support/pod-runner.js';
import { benchFixture } from './fixture.js';
import { startForwarder, startRegistry, type LocalRegistry } from './registry.js';
import type { Figure } from './report.js';

const FOLDER = '/workspaces/app';
const LOCAL_PORT = 5000;
const CACHE_REPO = `localhost:${LOCAL_PORT}/bench/slow-build`;
/** The template's image references, as workspace-pod.ts maps them. */
const TEMPLATE_IMAGES = { 'ghcr.io/vgijssel/devcontainer-builder:e2e': testImages.builder, 'docker:dind-e2e': testImages.dind };

export interface RegistryCacheOptions {
  readonly log: (line: string) => void;
}

interface Variant {
  readonly name: string;
  /** `var.cache_repo` of the template (becomes DEVCONTAINER_CACHE_FROM). */
  readonly cacheRepo: string;
  /** Pull the cache image into DinD before the builder runs. */
  readonly pull: boolean;
}

/** A fresh pod of the template; with a cache, a forwarder makes the registry reachable as localhost:5000 inside it. */
function cachePod(env: E2eEnv, repo: FixtureRepo, registry: LocalRegistry, v: Variant, timings: Record<string, number>): PodRunner {
  const pod = new PodRunner(env.template, {
    name: `bench-cache-${v.name}-${process.pid}`,
    network: env.network.name,
    sandboxImage: testImages.debian,
    images: TEMPLATE_IMAGES,
    values: { ...templateValues(env, { name: v.name, repo }), 'var.cache_repo': v.cacheRepo },
    afterInitContainer: async (container, runner) => {
      if (container !== 'dind') return;
      await loadImageInto({ container: runner.containerName('dind') }, testImages.debian, { as: DEV_BASE_IMAGE });
      env.cleanups.push(await startForwarder(runner, testImages.builder, registry, LOCAL_PORT));
      if (v.pull) {
        const started = performance.now();
        const r = await dind(runner, ['pull', CACHE_REPO], { timeoutMs: 10 * 60_000 });
        if (r.exitCode !== 0) throw new Error(`pulling ${CACHE_REPO} into DinD failed: ${r.stderr.trim()}`);
        timings.pullMs = performance.now() - started;
      }
    },
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  });
  env.cleanups.push(() => pod.destroy());
  return pod;
}

/** Build steps the classic builder answered from its cache (` ---> Using cache`), from the builder's log. */
async function cacheHits(pod: PodRunner): Promise<number> {
  return (await pod.logs('devcontainer-builder')).split('\n').filter((l) => l.includes('Using cache')).length;
}

async function untilAgent(env: E2eEnv, pod: PodRunner): Promise<number> {
  const before = env.coder.reports.length;
  const started = performance.now();
  await pod.start();
  await waitForReports(env.coder, before, 15 * 60_000);
  return performance.now() - started;
}

export async function benchRegistryCache(options: RegistryCacheOptions): Promise<Figure[]> {
  const env = await setUpEnv({ subnet: '10.214.2.0/24' });
  try {
    const registry = await startRegistry(env.network.gateway, 5000);
    env.cleanups.push(() => registry.close());
    const repo = await env.git.createRepo('app', { files: await benchFixture('slow-build') });

    const timingsA: Record<string, number> = {};
    const a = cachePod(env, repo, registry, { name: 'a', cacheRepo: '', pull: false }, timingsA);
    const coldMs = await untilAgent(env, a);
    options.log(`cache: first workspace cold ${(coldMs / 1000).toFixed(1)} s`);
    const image = (await dind(a, ['inspect', '--format', '{{.Config.Image}}', await devContainerId(a, FOLDER)])).stdout.trim();
    const started = performance.now();
    for (const args of [['tag', image, CACHE_REPO], ['push', CACHE_REPO]]) {
      const r = await dind(a, args, { timeoutMs: 10 * 60_000 });
      if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} in the first workspace failed: ${r.stderr.trim()}`);
    }
    const pushMs = performance.now() - started;
    options.log(`cache: pushed ${image} as ${CACHE_REPO} in ${(pushMs / 1000).toFixed(1)} s`);
    await a.destroy();

    const timingsB: Record<string, number> = {};
    const b = cachePod(env, repo, registry, { name: 'b', cacheRepo: CACHE_REPO, pull: false }, timingsB);
    const asBuilderMs = await untilAgent(env, b);
    const pulledByBuild = (await dind(b, ['image', 'inspect', CACHE_REPO])).exitCode === 0;
    const hitsB = await cacheHits(b);
    options.log(`cache: second workspace, builder as is: ${(asBuilderMs / 1000).toFixed(1)} s (cache image in DinD afterwards: ${pulledByBuild}, ${hitsB} steps from cache)`);
    await b.destroy();

    const timingsC: Record<string, number> = {};
    const c = cachePod(env, repo, registry, { name: 'c', cacheRepo: CACHE_REPO, pull: true }, timingsC);
    const prePulledMs = await untilAgent(env, c);
    const hitsC = await cacheHits(c);
    options.log(`cache: second workspace with the cache pulled first: ${(prePulledMs / 1000).toFixed(1)} s (pull ${((timingsC.pullMs ?? NaN) / 1000).toFixed(1)} s, ${hitsC} steps from cache)`);
    await c.destroy();

    return [
      { id: 'cache.coldSeconds', label: 'Registry cache: first workspace, cold (no cache)', unit: 's', samples: [coldMs / 1000] },
      { id: 'cache.pushSeconds', label: 'Registry cache: push of its image to the local registry', unit: 's', samples: [pushMs / 1000] },
      { id: 'cache.asBuilderSeconds', label: 'Registry cache: second workspace, DEVCONTAINER_CACHE_FROM set, builder as is', unit: 's', samples: [asBuilderMs / 1000],
        note: `the cache image was ${pulledByBuild ? '' : 'not '}in DinD after the build; ${hitsB} build steps came from the cache` },
      { id: 'cache.asBuilderRatio', label: 'Registry cache: builder as is / cold', unit: 'ratio', samples: [asBuilderMs / coldMs], target: { kind: 'max', value: 0.5 } },
      { id: 'cache.prePulledSeconds', label: 'Registry cache: second workspace, cache image pulled first (pull included)', unit: 's', samples: [prePulledMs / 1000],
        note: `${hitsC} build steps came from the cache` },
      { id: 'cache.asBuilderHits', label: 'Registry cache: build steps from cache, builder as is', unit: 'steps', samples: [hitsB] },
      { id: 'cache.prePulledHits', label: 'Registry cache: build steps from cache, pulled first', unit: 'steps', samples: [hitsC] },
      { id: 'cache.pullSeconds', label: 'Registry cache: of which the pull', unit: 's', samples: timingsC.pullMs === undefined ? [] : [timingsC.pullMs / 1000] },
      { id: 'cache.prePulledRatio', label: 'Registry cache: pulled first / cold', unit: 'ratio', samples: [prePulledMs / coldMs], target: { kind: 'max', value: 0.5 } },
    ];
  } finally {
    await runCleanups(env.cleanups);
  }
}
