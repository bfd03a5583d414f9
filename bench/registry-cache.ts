// Target 4 of issue 13: a second workspace (fresh volumes, empty DinD)
// building the same dev container with `--cache-from` a local registry that
// the first workspace filled, against the first workspace's cold build.
//
// No buildx exists on this machine (neither on the host engine nor in the
// DinD image, Debian's docker.io 20.10), so the Dev Containers CLI builds
// with the classic builder, which uses a `--cache-from` image only when it
// is in the daemon: the builder pulls it first (builder/steps/pull-cache.ts).
// The template sets DEVCONTAINER_CACHE_TO only with registry credentials
// (constructs/builder-env.ts) and this registry has none, so the bench pushes
// the first workspace's image itself (tag and push in DinD, as the builder's
// steps/push-cache.ts does). BuildKit is covered by the unit test of the
// arguments (__tests__/builder/devcontainer/cache-buildkit.test.ts).
//
// Each sample is one cold workspace, the push, and one cached workspace,
// each pod timed from start to agent connected; the image build is read from
// the builder's own log ("Timing: … build …", "Pulled the cache image … in …").
import { DEV_BASE_IMAGE, devContainerId, dind, runCleanups, setUpEnv, templateSecrets, templateValues, waitForReports, type E2eEnv } from '../__tests__/e2e/workspace-pod.js';
import type { FixtureRepo } from '../__tests__/support/git-server.js';
import { loadImageInto, testImages } from '../__tests__/support/images.js';
import { PodRunner } from '../__tests__/support/pod-runner.js';
import { benchFixture } from './fixture.js';
import { startForwarder, startRegistry, type LocalRegistry } from './registry.js';
import type { Figure } from './report.js';

const LOCAL_PORT = 5000;
/** The template's image references, as workspace-pod.ts maps them. */
const TEMPLATE_IMAGES = { 'ghcr.io/vgijssel/devcontainer-builder:e2e': testImages.builder, 'docker:dind-e2e': testImages.dind };
/** The fixture: `BENCH_CACHE_FIXTURE` (a directory of bench/fixtures), default toolchain-build (see its README). */
const FIXTURE = process.env.BENCH_CACHE_FIXTURE ?? 'toolchain-build';
const FOLDER = '/workspaces/app';
const TARGET = 0.35;
/**
 * DIAGNOSTIC `BENCH_CACHE_DIND_PIGZ=1`: install pigz in both pods' DinD
 * before the builder runs. The stand-in DinD (Debian's docker.io) has no
 * unpigz; docker:dind installs pigz (docker-library/docker, 27/dind/Dockerfile)
 * and dockerd decompresses pulled layers with unpigz when it is on PATH
 * (dockerd's MOBY_DISABLE_PIGZ opts out). Not the shipped setup of the bench.
 */
const DIND_PIGZ = process.env.BENCH_CACHE_DIND_PIGZ === '1';

export interface RegistryCacheOptions {
  readonly log: (line: string) => void;
  /** Cold + cached pairs. @default BENCH_CACHE_SAMPLES or 3 */
  readonly samples?: number;
}

/** A fresh pod of the template; a forwarder makes the registry reachable as localhost:5000 inside it. */
function cachePod(env: E2eEnv, repo: FixtureRepo, registry: LocalRegistry, name: string, cacheRepo: string): PodRunner {
  const values = { ...templateValues(env, { name, repo }), 'var.cache_repo': cacheRepo };
  const pod = new PodRunner(env.template, {
    name: `bench-cache-${name}-${process.pid}`,
    network: env.network.name,
    sandboxImage: testImages.debian,
    images: TEMPLATE_IMAGES,
    values,
    secrets: templateSecrets(env.template, values),
    afterInitContainer: async (container, runner) => {
      if (container !== 'dind') return;
      // Stands in for the base image's registry pull, in the cold and the cached workspace alike.
      await loadImageInto({ container: runner.containerName('dind') }, testImages.debian, { as: DEV_BASE_IMAGE });
      if (DIND_PIGZ) {
        const r = await runner.exec('dind', ['sh', '-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pigz >/dev/null && command -v unpigz'], { reject: false, timeoutMs: 5 * 60_000 });
        if (r.exitCode !== 0) throw new Error(`installing pigz in DinD failed: ${r.stderr.trim()}`);
      }
      env.cleanups.push(await startForwarder(runner, testImages.builder, registry, LOCAL_PORT));
    },
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  });
  env.cleanups.push(() => pod.destroy());
  return pod;
}

/** Seconds of a duration as builder/log/logger.ts formatDuration writes it (`850 ms`, `12.3 s`, `1 min 5 s`). */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+) min (\d+) s|(\d+(?:\.\d+)?) (ms|s))$/.exec(text.trim());
  if (!m) return undefined;
  if (m[1] !== undefined) return Number(m[1]) * 60 + Number(m[2]);
  return Number(m[3]) / (m[4] === 'ms' ? 1000 : 1);
}

/** What the builder's log says about one start. */
export interface BuilderLogFacts {
  /** The CLI's image build ("Timing: …, build X, …"). */
  readonly buildSeconds?: number;
  /** The builder's cache pulls, summed. */
  readonly pullSeconds?: number;
  /** Build steps the classic builder answered from its cache (` ---> Using cache`). */
  readonly cacheHits: number;
}

export function builderLogFacts(log: string): BuilderLogFacts {
  const lines = log.split('\n');
  const timing = [...lines].reverse().find((l) => l.includes('Timing: '));
  const build = /\bbuild ([^,]+?)(?:,|$)/.exec(timing?.slice(timing.indexOf('Timing: ')) ?? '');
  const pulls = lines.map((l) => /Pulled the cache image \S+ in (.+)$/.exec(l)?.[1]).filter((d): d is string => d !== undefined).map((d) => parseDuration(d) ?? NaN);
  return {
    buildSeconds: build?.[1] === undefined ? undefined : parseDuration(build[1]),
    pullSeconds: pulls.length === 0 ? undefined : pulls.reduce((a, b) => a + b, 0),
    cacheHits: lines.filter((l) => l.includes('Using cache')).length,
  };
}

async function untilAgent(env: E2eEnv, pod: PodRunner): Promise<number> {
  const before = env.coder.reports.length;
  const started = performance.now();
  await pod.start();
  await waitForReports(env.coder, before, 15 * 60_000);
  return performance.now() - started;
}

interface Sample {
  coldS: number; coldBuildS: number; pushS: number;
  cachedS: number; cachedBuildS: number; pullS: number; hits: number; coldHits: number;
}

export async function benchRegistryCache(options: RegistryCacheOptions): Promise<Figure[]> {
  const n = options.samples ?? Number(process.env.BENCH_CACHE_SAMPLES ?? 3);
  const env = await setUpEnv({ subnet: '10.214.2.0/24' });
  const samples: Sample[] = [];
  try {
    const registry = await startRegistry(env.network.gateway, 5000);
    env.cleanups.push(() => registry.close());
    const repo = await env.git.createRepo('app', { files: await benchFixture(FIXTURE) });

    for (let i = 0; i < n; i++) {
      // A repository per sample: every cached workspace reads what its own cold workspace built.
      const cacheRepo = `localhost:${LOCAL_PORT}/bench/cache-${i}`;
      const a = cachePod(env, repo, registry, `a${i}`, '');
      const coldMs = await untilAgent(env, a);
      const cold = builderLogFacts(await a.logs('devcontainer-builder'));
      const image = (await dind(a, ['inspect', '--format', '{{.Config.Image}}', await devContainerId(a, FOLDER)])).stdout.trim();
      const started = performance.now();
      for (const args of [['tag', image, cacheRepo], ['push', cacheRepo]]) {
        const r = await dind(a, args, { timeoutMs: 10 * 60_000 });
        if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} in the first workspace failed: ${r.stderr.trim()}`);
      }
      const pushMs = performance.now() - started;
      await a.destroy();

      const b = cachePod(env, repo, registry, `b${i}`, cacheRepo);
      const cachedMs = await untilAgent(env, b);
      const cached = builderLogFacts(await b.logs('devcontainer-builder'));
      await b.destroy();
      if (cold.buildSeconds === undefined || cached.buildSeconds === undefined) throw new Error('the builder logged no "Timing: … build …" line');
      const sample: Sample = {
        coldS: coldMs / 1000, coldBuildS: cold.buildSeconds, pushS: pushMs / 1000,
        cachedS: cachedMs / 1000, cachedBuildS: cached.buildSeconds, pullS: cached.pullSeconds ?? NaN, hits: cached.cacheHits, coldHits: cold.cacheHits,
      };
      samples.push(sample);
      options.log(`cache ${i + 1}/${n}: cold ${sample.coldS.toFixed(1)} s (build ${sample.coldBuildS} s), push ${sample.pushS.toFixed(1)} s; `
        + `cached ${sample.cachedS.toFixed(1)} s (pull ${sample.pullS} s, build ${sample.cachedBuildS} s, ${sample.hits} steps from cache)`);
    }
  } finally {
    await runCleanups(env.cleanups);
  }
  const col = (f: (s: Sample) => number) => samples.map(f);
  const fixture = `fixture bench/fixtures/${FIXTURE}${DIND_PIGZ ? '; DIAGNOSTIC: pigz installed in DinD (BENCH_CACHE_DIND_PIGZ=1)' : ''}`;
  return [
    { id: 'cache.coldSeconds', label: 'Registry cache: first workspace, cold (no cache), to agent connected', unit: 's', samples: col((s) => s.coldS), note: fixture },
    { id: 'cache.coldBuildSeconds', label: '  Registry cache: cold, image build (builder timing)', unit: 's', samples: col((s) => s.coldBuildS) },
    { id: 'cache.pushSeconds', label: '  Registry cache: push of its image to the local registry', unit: 's', samples: col((s) => s.pushS) },
    { id: 'cache.asBuilderSeconds', label: 'Registry cache: second workspace, empty Docker storage, builder as is (pulls the cache itself), to agent connected', unit: 's', samples: col((s) => s.cachedS) },
    { id: 'cache.cachedPullSeconds', label: '  Registry cache: cached, the builder\'s cache pull', unit: 's', samples: col((s) => s.pullS) },
    { id: 'cache.cachedBuildSeconds', label: '  Registry cache: cached, image build after the pull (builder timing)', unit: 's', samples: col((s) => s.cachedBuildS) },
    { id: 'cache.asBuilderHits', label: '  Registry cache: cached, build steps from cache', unit: 'steps', samples: col((s) => s.hits),
      note: `cold: ${col((s) => s.coldHits).join(', ')} steps from cache` },
    { id: 'cache.buildRatio', label: 'Registry cache: cached (pull + build) / cold build, per pair', unit: 'ratio', samples: col((s) => (s.pullS + s.cachedBuildS) / s.coldBuildS), target: { kind: 'max', value: TARGET } },
    { id: 'cache.asBuilderRatio', label: 'Registry cache: cached start / cold start (to agent connected), per pair', unit: 'ratio', samples: col((s) => s.cachedS / s.coldS), target: { kind: 'max', value: TARGET } },
  ];
}
