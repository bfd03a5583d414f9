// Target 1 of issue 13, on the end-to-end harness (the template's own pod on
// the local engine with DinD, a fake Coder and a git server):
//
// - cold start: a fresh pod (new volumes) from `start()` to the stub agent's
//   first report;
// - warm restart: the pod deleted (volumes kept) and started again, to the
//   next report;
// - the same warm restart of a *bare* pod: the same spec, volumes and DinD,
//   with the builder init container's program replaced by bare
//   `devcontainer up` with the arguments the builder passes on a plain
//   restart, and the agent container's program by a plain `docker exec` of
//   Coder's init script as the remote user.
//
// Per fresh pod: one cold start, then one builder and one bare restart, in
// alternating order from pod to pod, so drift over the run cancels out.
// Ratios per pod: builder restart / bare restart, builder restart / cold.
import type { FakeCoder } from '../__tests__/support/fake-coder.js';
import { docker, type PodRunner, type ResolvedContainer } from '../__tests__/support/pod-runner.js';
import { runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from '../__tests__/e2e/workspace-pod.js';
import type { FixtureRepo } from '../__tests__/support/git-server.js';
import { idLabelFor, upArgs } from '../builder/devcontainer/args.js';
import { benchFixture } from './fixture.js';
import { builderPhases, dockerTime, type Phases } from './pod.js';
import type { Figure } from './report.js';
import { pairRatios } from './stats.js';

const FOLDER = '/workspaces/app';
const BUILDER = 'devcontainer-builder';
const AGENT = 'devcontainer-agent';
const FIXTURE = 'slow-build';

export interface RestartBenchOptions {
  /** Fresh pods, each with one cold start, one builder and one bare restart. @default 3 */
  readonly pairs?: number;
  readonly log: (line: string) => void;
}

type Variant = 'builder' | 'bare';

/**
 * The bare pod's programs. Init container: what the builder's `up` runs on a
 * plain restart (builder/steps/devcontainer-up.ts: the chosen configuration
 * (builder/devcontainer/config-choice.ts), generation 0, no tracked lockfile, the
 * template's `--gpu-availability none` without a GPU). Agent container: the
 * least that starts the agent in the dev container — Coder's init script
 * (`CODER_INIT_SCRIPT`, unchanged) run by `docker exec` as the remote user in
 * the workspace folder, the token passed by name from the container's env
 * (`-e NAME` copies it from the CLI's environment), never in argv.
 */
export function bareOverride(remoteUser: string): (c: ResolvedContainer) => ResolvedContainer | undefined {
  return (c) => {
    if (c.name === BUILDER) {
      return { ...c, command: ['tini', '--', 'devcontainer'], args: upArgs({ workspaceFolder: FOLDER, configFile: `${FOLDER}/.devcontainer/devcontainer.json`, noLockfile: true, gpuAvailability: 'none', skipNonBlocking: true }) };
    }
    if (c.name === AGENT) {
      const script = [
        'set -eu',
        `id=$(docker ps -q --filter "label=${idLabelFor(FOLDER)}")`,
        `exec docker exec -u ${remoteUser} -w ${FOLDER} -e CODER_AGENT_TOKEN -e CODER_AGENT_URL "$id" sh -c "$CODER_INIT_SCRIPT"`,
      ].join('\n');
      return { ...c, command: ['tini', '--', 'sh'], args: ['-c', script] };
    }
    return undefined;
  };
}

/** Epoch ms of a Docker container's start and finish. */
async function containerTimes(pod: PodRunner, k8sName: string): Promise<{ startedAt: number; finishedAt: number }> {
  const r = await docker(['inspect', '--format', '{{.State.StartedAt}} {{.State.FinishedAt}}', pod.containerName(k8sName)], { reject: false });
  const [started, finished] = r.stdout.trim().split(' ');
  return { startedAt: dockerTime(started ?? ''), finishedAt: dockerTime(finished ?? '') };
}

/** Console lines (`<ISO time> <LEVEL> <text>`) of a builder container, as epoch ms and text. */
function consoleLines(logs: string): { at: number; text: string }[] {
  return logs.split('\n').map((l) => /^(\S+Z) \S+\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: Date.parse(m[1]!), text: m[2]! }));
}

/**
 * Where one start spent its time, as ms since `start()`: the pod runner's
 * milestones, the builder's console phases (builder only), the agent
 * container's console lines (builder only), the fake Coder's requests for
 * the agent binary and the agent's first report.
 */
async function startPhases(env: E2eEnv, pod: PodRunner, variant: Variant, override: ((c: ResolvedContainer) => ResolvedContainer | undefined) | undefined, timeoutMs: number): Promise<Phases> {
  const coder: FakeCoder = env.coder;
  const reportsBefore = coder.reports.length;
  const requestsBefore = coder.requests.length;
  const t0 = Date.now();
  const { milestones } = await pod.start({ override });
  await waitForReports(coder, reportsBefore, timeoutMs);
  const connected = Date.now() - t0;
  const since = (epochMs: number) => epochMs - t0;
  const phases: Phases = { ...milestones };
  const init = await containerTimes(pod, BUILDER);
  phases['init container: process started'] = since(init.startedAt);
  if (variant === 'builder') {
    const logs = await pod.logs(BUILDER);
    const p = builderPhases(logs, init.startedAt, init.finishedAt);
    const lines = consoleLines(logs);
    const at = (re: RegExp) => since(lines.find((l) => re.test(l.text))?.at ?? NaN);
    phases['builder: first line'] = at(/./);
    phases['builder: Docker ready'] = at(/^Docker \S+ is ready/);
    phases['builder: checkout done'] = at(/^✔ Checkout/);
    phases['builder: devcontainer up started'] = at(/^▶ Dev container/);
    phases['builder: devcontainer up done'] = at(/^✔ Dev container/);
    phases['builder: ready'] = at(/^The dev container \S+ is ready/);
    for (const [k, v] of Object.entries(p)) if (k.startsWith('child process: ')) phases[`builder ${k} (duration)`] = v;
  }
  const agentTimes = await containerTimes(pod, AGENT);
  phases['agent container: process started'] = since(agentTimes.startedAt);
  if (variant === 'builder') {
    const logs = await pod.logs(AGENT);
    const lines = consoleLines(logs);
    const at = (re: RegExp) => since(lines.find((l) => re.test(l.text))?.at ?? NaN);
    phases['agent: first line'] = at(/./);
    phases['agent: Docker ready'] = at(/^Docker \S+ is ready/);
    phases['agent: starting the Coder agent'] = at(/^Starting the Coder agent/);
    phases['agent: exec of the launcher'] = at(/^Run: \S*devcontainer exec|^Run: \S*docker exec -i/);
    // The agent runs on: its child processes until the launcher, summed by program.
    for (const [k, v] of Object.entries(builderPhases(logs, agentTimes.startedAt, NaN))) if (k.startsWith('child process: ')) phases[`agent ${k} (duration)`] = v;
  }
  const requests = coder.requests.slice(requestsBefore);
  const binary = requests.find((r) => r.path.startsWith('/bin/coder-linux-'));
  phases['agent binary requested from Coder'] = binary === undefined ? NaN : since(binary.at);
  const report = requests.find((r) => r.path === '/report');
  // The fake Coder's own receive time: polling the reports would add up to
  // half a second of granularity to every sample.
  phases.agent = report === undefined ? connected : since(report.at);
  return phases;
}

/** One fresh pod: a cold start, then a builder and a bare restart in the given order. */
async function onePod(env: E2eEnv, repo: FixtureRepo, name: string, order: readonly Variant[], remoteUser: string, log: (line: string) => void): Promise<{ cold: Phases; restarts: Record<Variant, Phases> }> {
  const pod = workspacePod(env, { name, repo });
  try {
    const cold = await startPhases(env, pod, 'builder', undefined, 15 * 60_000);
    log(`pod ${name}: cold start to agent ${(cold.agent! / 1000).toFixed(1)} s`);
    const restarts = {} as Record<Variant, Phases>;
    for (const variant of order) {
      await pod.stop();
      restarts[variant] = await startPhases(env, pod, variant, variant === 'bare' ? bareOverride(remoteUser) : undefined, 10 * 60_000);
      log(`pod ${name}: ${variant} restart to agent ${(restarts[variant].agent! / 1000).toFixed(1)} s ${JSON.stringify(restarts[variant])}`);
    }
    return { cold, restarts };
  } finally {
    await pod.destroy();
  }
}

/** One row per phase (seconds since the pod's start, or a duration), in the order first seen. */
function phaseFigures(prefix: string, what: string, runs: readonly Phases[]): Figure[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'agent');
  return keys.map((k) => {
    const duration = k.endsWith('(duration)');
    return { id: `${prefix}.${k}`, label: `  ${what}: ${duration ? k : `${k} at`}`, unit: 's', samples: runs.map((r) => (r[k] ?? NaN) / 1000) };
  });
}

export async function benchRestart(options: RestartBenchOptions): Promise<Figure[]> {
  const pairs = options.pairs ?? 3;
  const env = await setUpEnv({ subnet: '10.214.3.0/24' });
  try {
    const files = await benchFixture(FIXTURE);
    const remoteUser = (JSON.parse(files['.devcontainer/devcontainer.json'] ?? '{}') as { remoteUser?: string }).remoteUser ?? 'root';
    const repo = await env.git.createRepo('app', { files });
    const cold: Phases[] = [];
    const builder: Phases[] = [];
    const bare: Phases[] = [];
    for (let i = 0; i < pairs; i++) {
      const order: Variant[] = i % 2 === 0 ? ['builder', 'bare'] : ['bare', 'builder'];
      const r = await onePod(env, repo, `restart-${i}`, order, remoteUser, options.log);
      cold.push(r.cold);
      builder.push(r.restarts.builder);
      bare.push(r.restarts.bare);
      options.log(`pair ${i + 1}/${pairs}: cold ${(r.cold.agent! / 1000).toFixed(1)} s, builder restart ${(r.restarts.builder.agent! / 1000).toFixed(1)} s, bare restart ${(r.restarts.bare.agent! / 1000).toFixed(1)} s`);
    }
    const s = (runs: Phases[]) => runs.map((p) => p.agent! / 1000);
    const ms = (runs: Phases[]) => runs.map((p) => p.agent!);
    return [
      { id: 'restart.coldSeconds', label: 'Cold start: fresh pod to agent connected', unit: 's', samples: s(cold),
        note: `bench/fixtures/${FIXTURE} (apt-get install in the Dockerfile), base image loaded into DinD from the host as a registry pull would` },
      { id: 'restart.builderSeconds', label: 'Warm restart: pod recreated, volumes kept, to agent connected', unit: 's', samples: s(builder) },
      { id: 'restart.bareSeconds', label: 'Warm restart of the bare pod (init: bare `devcontainer up`; agent: `docker exec` of the init script)', unit: 's', samples: s(bare) },
      { id: 'restart.builderToBareRatio', label: 'Warm restart / bare pod restart, per pod', unit: 'ratio', samples: pairRatios(ms(builder), ms(bare)), target: { kind: 'max', value: 1.25 } },
      { id: 'restart.restartToColdRatio', label: 'Warm restart / cold start, per pod', unit: 'ratio', samples: pairRatios(ms(builder), ms(cold)), target: { kind: 'max', value: 0.15, goal: 0.05 } },
      ...phaseFigures('restart.builderPhase', 'Warm restart', builder),
      ...phaseFigures('restart.barePhase', 'Bare pod restart', bare),
      ...phaseFigures('restart.coldPhase', 'Cold start', cold),
    ];
  } finally {
    await runCleanups(env.cleanups);
  }
}
