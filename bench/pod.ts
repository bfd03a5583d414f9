// Benches 1 and 2 of issue 5, on the end-to-end harness: the template's own
// pod run on the local engine with DinD, a fake Coder and a git server.
//
// 2. Cold start vs warm restart: a fresh pod (new volumes) from `start()` to
//    the stub agent's first report, then stop (volumes kept) and start again
//    until the next report. Pairs, ratio restart/cold per pair.
// 1. Builder overhead, on the warm pod: the builder's init container run
//    again (`devcontainer-builder up`) against the same container with its
//    program replaced by bare `devcontainer up` with the arguments the builder
//    passes on a plain restart; alternating A B A B, ratio A/B per pair.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, type PodRunner, type ResolvedContainer } from '../__tests__/support/pod-runner.js';
import { runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from '../__tests__/e2e/workspace-pod.js';
import type { FixtureRepo } from '../__tests__/support/git-server.js';
import { idLabelFor } from '../builder/devcontainer/args.js';
import { benchFixture } from './fixture.js';
import type { Figure } from './report.js';
import { pairRatios } from './stats.js';

const FOLDER = '/workspaces/app';
const BUILDER = 'devcontainer-builder';

export interface PodBenchOptions {
  /** Cold/restart pairs, each on a fresh pod. @default 2 */
  readonly coldPairs?: number;
  /** Builder-overhead A/B pairs. @default 5 */
  readonly overheadPairs?: number;
  readonly log: (line: string) => void;
}

/** One cold start then one restart of a fresh pod; returns both times in ms (to the agent's report). */
async function coldThenRestart(env: E2eEnv, repo: FixtureRepo, name: string, log: (line: string) => void): Promise<{ pod: PodRunner; coldMs: number; restartMs: number }> {
  const pod = workspacePod(env, { name, repo });
  const before = env.coder.reports.length;
  let started = performance.now();
  await pod.start();
  await waitForReports(env.coder, before, 15 * 60_000);
  const coldMs = performance.now() - started;
  log(`pod ${name}: cold start to agent ${(coldMs / 1000).toFixed(1)} s`);
  const reports = env.coder.reports.length;
  await pod.stop();
  started = performance.now();
  await pod.start();
  await waitForReports(env.coder, reports, 10 * 60_000);
  const restartMs = performance.now() - started;
  log(`pod ${name}: restart to agent ${(restartMs / 1000).toFixed(1)} s`);
  return { pod, coldMs, restartMs };
}

/**
 * Runs a copy of the pod's builder init container to completion, as the
 * kubelet would on a restart, optionally with another program; returns the
 * wall time from `docker run` to exit.
 */
async function runBuilderOnce(pod: PodRunner, variant: 'builder' | 'bare'): Promise<number> {
  const spec = pod.pod.containers.find((c) => c.name === BUILDER);
  if (spec === undefined) throw new Error(`the pod has no ${BUILDER} container`);
  const copy: ResolvedContainer =
    variant === 'builder'
      ? { ...spec, name: `bench-${variant}` }
      : {
          ...spec,
          name: `bench-${variant}`,
          // What the builder's `up` runs on a plain restart (builder/devcontainer/args.ts upArgs).
          command: ['tini', '--', 'devcontainer'],
          args: ['up', '--workspace-folder', FOLDER, '--id-label', idLabelFor(FOLDER), '--log-format', 'json', '--update-remote-user-uid-default', 'off'],
        };
  const dir = await mkdtemp(join(tmpdir(), 'bench-env-'));
  const name = pod.containerName(copy.name);
  try {
    const envFile = join(dir, 'env');
    const processEnv: Record<string, string> = {};
    const lines: string[] = [];
    for (const [key, value] of copy.env) {
      if (value.includes('\n')) processEnv[key] = value;
      else lines.push(`${key}=${value}`);
    }
    await writeFile(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    await docker(['rm', '-f', name], { reject: false });
    const started = performance.now();
    await docker(pod.dockerRunArgs(copy, envFile, Object.keys(processEnv)), { env: processEnv });
    const r = await docker(['wait', name], { timeoutMs: 10 * 60_000 });
    const ms = performance.now() - started;
    if (r.stdout.trim() !== '0') {
      const logs = await docker(['logs', '--tail', '30', name], { reject: false });
      throw new Error(`${variant} up exited ${r.stdout.trim()}: ${(logs.stdout + logs.stderr).slice(-1500)}`);
    }
    return ms;
  } finally {
    await docker(['rm', '-f', name], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchPod(options: PodBenchOptions): Promise<Figure[]> {
  const coldPairs = options.coldPairs ?? 2;
  const overheadPairs = options.overheadPairs ?? 5;
  const env = await setUpEnv({ subnet: '10.214.1.0/24' });
  try {
    const repo = await env.git.createRepo('app', { files: await benchFixture('slow-build') });
    const cold: number[] = [];
    const restart: number[] = [];
    let warm: PodRunner | undefined;
    for (let i = 0; i < coldPairs; i++) {
      if (warm !== undefined) await warm.destroy();
      const r = await coldThenRestart(env, repo, `bench-${i}`, options.log);
      cold.push(r.coldMs);
      restart.push(r.restartMs);
      warm = r.pod;
    }
    const a: number[] = [];
    const b: number[] = [];
    if (warm !== undefined) {
      // One unmeasured run of each first: the first start of a node program reads it from disk.
      await runBuilderOnce(warm, 'builder');
      await runBuilderOnce(warm, 'bare');
      for (let i = 0; i < overheadPairs; i++) {
        a.push(await runBuilderOnce(warm, 'builder'));
        b.push(await runBuilderOnce(warm, 'bare'));
        options.log(`overhead pair ${i + 1}/${overheadPairs}: builder up ${(a[i]! / 1000).toFixed(1)} s, bare devcontainer up ${(b[i]! / 1000).toFixed(1)} s`);
      }
    }
    const s = (ms: number[]) => ms.map((x) => x / 1000);
    return [
      { id: 'pod.coldSeconds', label: 'Cold start: fresh pod to agent connected', unit: 's', samples: s(cold),
        note: 'bench/fixtures/slow-build (apt-get install in the Dockerfile), base image loaded into DinD from the host as a registry pull would' },
      { id: 'pod.restartSeconds', label: 'Warm restart: pod recreated, volumes kept, to agent connected', unit: 's', samples: s(restart) },
      { id: 'pod.restartToColdRatio', label: 'Restart / cold, per pair', unit: 'ratio', samples: pairRatios(restart, cold), target: { kind: 'max', value: 0.15, goal: 0.05 } },
      { id: 'overhead.builderUpSeconds', label: 'Warm `devcontainer-builder up` (init container run again)', unit: 's', samples: s(a) },
      { id: 'overhead.bareUpSeconds', label: 'Warm bare `devcontainer up`, same container and arguments', unit: 's', samples: s(b) },
      { id: 'overhead.ratio', label: 'Builder overhead: builder up / bare up, per A B pair', unit: 'ratio', samples: pairRatios(a, b), target: { kind: 'max', value: 1.1, goal: 1.03 } },
    ];
  } finally {
    await runCleanups(env.cleanups);
  }
}
