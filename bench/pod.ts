// Bench 1 of issue 5, on the end-to-end harness: the template's own
// pod run on the local engine with DinD, a fake Coder and a git server.
// (Cold start and warm restart: bench/restart.ts.)
//
// 1. Builder overhead, on the warm pod: the builder's init container run
//    again (`devcontainer-builder up`) against the same container with its
//    program replaced by bare `devcontainer up` with the arguments the builder
//    passes (taken from its log); alternating A B A B, ratio A/B per pair.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, type PodRunner, type ResolvedContainer } from '../__tests__/support/pod-runner.js';
import { runCleanups, setUpEnv, waitForReports, workspacePod } from '../__tests__/e2e/workspace-pod.js';
import { idLabelFor } from '../builder/devcontainer/args.js';
import { benchFixture } from './fixture.js';
import type { Figure } from './report.js';
import { pairRatios } from './stats.js';

const FOLDER = '/workspaces/app';
const BUILDER = 'devcontainer-builder';

export interface PodBenchOptions {
  /** Builder-overhead A/B pairs. @default 5 */
  readonly overheadPairs?: number;
  readonly log: (line: string) => void;
}

/** Where a start spent its time: ms from `start()` to each milestone. */
export type Phases = Record<string, number>;

/** `2026-…T11:13:51.936123456Z` → epoch ms (Date.parse wants at most milliseconds). */
export function dockerTime(text: string): number {
  return Date.parse(text.trim().replace(/(\.\d{3})\d*Z$/, '$1Z'));
}

/**
 * Where one builder `up` spent its time, from its console lines
 * (`<ISO time> <LEVEL> <text>`) and the container's start and finish times.
 */
export function builderPhases(logs: string, startedAt: number, finishedAt: number): Phases {
  const lines = logs.split('\n').map((l) => /^(\S+Z) \S+\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: Date.parse(m[1]!), text: m[2]! }));
  const at = (pattern: RegExp) => lines.find((l) => pattern.test(l.text))?.at ?? NaN;
  const first = lines[0]?.at ?? NaN;
  const checkoutStart = at(/^▶ Checkout/);
  const checkoutEnd = at(/^✔ Checkout/);
  const upStart = at(/^▶ Dev container/);
  const upEnd = at(/^✔ Dev container/);
  const ready = at(/^The dev container \S+ is ready/);
  // Child processes the builder ran (`Run: <argv>` … `Done: <file> exited …`,
  // builder/process.ts), summed by program and subcommand.
  // Independent steps run side by side, so a `Done:` closes the oldest open
  // `Run:` of the same program (its line names only the file).
  const processes: Phases = {};
  const pending: { at: number; file: string; what: string }[] = [];
  for (const line of lines) {
    const run = /^Run: (\S+)(?: (\S+))?/.exec(line.text);
    const done = /^Done: (\S+) /.exec(line.text);
    if (run !== null) {
      const [, file, sub] = run;
      pending.push({ at: line.at, file: file!, what: `${file!.split('/').pop()}${sub !== undefined && !sub.startsWith('-') ? ` ${sub}` : ''}` });
    } else if (done !== null) {
      const index = pending.findIndex((p) => p.file === done[1]);
      if (index === -1) continue;
      const [open] = pending.splice(index, 1);
      const key = `child process: ${open!.what}`;
      processes[key] = (processes[key] ?? 0) + (line.at - open!.at);
    }
  }
  return {
    ...processes,
    'process start to first line': first - startedAt,
    'first line to checkout (Docker wait, state)': checkoutStart - first,
    checkout: checkoutEnd - checkoutStart,
    'checkout to devcontainer up': upStart - checkoutEnd,
    'devcontainer up': upEnd - upStart,
    'after up until ready (extensions, state)': ready - upEnd,
    'ready to exit (log flush)': finishedAt - ready,
  };
}

/**
 * The arguments of the builder's `devcontainer up` in its console lines
 * (`Run: <bin> up …`, builder/process.ts joins argv with spaces; the bench's
 * arguments hold none), so the bare run gets exactly what the builder passed.
 * `undefined` when the log has none.
 */
export function builderUpArgs(logs: string): string[] | undefined {
  for (const line of logs.split('\n')) {
    const run = /^\S+Z \S+\s+Run: (\S+) (up .*)$/.exec(line);
    if (run !== null && run[1]!.split('/').pop() === 'devcontainer') return run[2]!.trim().split(' ');
  }
  return undefined;
}

// What the builder's `up` ran on a plain restart before it logged its own
// arguments to the bench (builder/devcontainer/args.ts upArgs).
const DEFAULT_BARE_ARGS = ['up', '--workspace-folder', FOLDER, '--id-label', idLabelFor(FOLDER), '--log-format', 'json', '--update-remote-user-uid-default', 'off'];

/**
 * Runs a copy of the pod's builder init container to completion, as the
 * kubelet would on a restart, optionally with another program; returns the
 * wall time from `docker run` to exit.
 */
async function runBuilderOnce(pod: PodRunner, variant: 'builder' | 'bare', bareArgs: readonly string[] = DEFAULT_BARE_ARGS): Promise<{ ms: number; phases?: Phases; upArgs?: string[] }> {
  const spec = pod.pod.containers.find((c) => c.name === BUILDER);
  if (spec === undefined) throw new Error(`the pod has no ${BUILDER} container`);
  const copy: ResolvedContainer =
    variant === 'builder'
      ? { ...spec, name: `bench-${variant}` }
      : {
          ...spec,
          name: `bench-${variant}`,
          command: ['tini', '--', 'devcontainer'],
          args: [...bareArgs],
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
    if (variant === 'bare') return { ms };
    const times = (await docker(['inspect', '--format', '{{.State.StartedAt}} {{.State.FinishedAt}}', name])).stdout.trim().split(' ');
    const logs = await docker(['logs', name], { reject: false, timeoutMs: 60_000 });
    const text = logs.stdout + logs.stderr;
    return { ms, phases: builderPhases(text, dockerTime(times[0] ?? ''), dockerTime(times[1] ?? '')), upArgs: builderUpArgs(text) };
  } finally {
    await docker(['rm', '-f', name], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchPod(options: PodBenchOptions): Promise<Figure[]> {
  const overheadPairs = options.overheadPairs ?? 5;
  const env = await setUpEnv({ subnet: '10.214.1.0/24' });
  try {
    const repo = await env.git.createRepo('app', { files: await benchFixture('slow-build') });
    // The warm pod: started once, until its agent reported.
    const warm: PodRunner | undefined = workspacePod(env, { name: 'bench-0', repo });
    await warm.start();
    await waitForReports(env.coder, 0, 15 * 60_000);
    const a: number[] = [];
    const b: number[] = [];
    const aPhases: Phases[] = [];
    if (warm !== undefined) {
      // One unmeasured run of each first: the first start of a node program reads it from disk.
      // The bare run gets the arguments the builder's warm `up` passed (same container, same flags).
      const bareArgs = (await runBuilderOnce(warm, 'builder')).upArgs ?? DEFAULT_BARE_ARGS;
      options.log(`bare devcontainer ${bareArgs.join(' ')}`);
      await runBuilderOnce(warm, 'bare', bareArgs);
      for (let i = 0; i < overheadPairs; i++) {
        const ra = await runBuilderOnce(warm, 'builder');
        a.push(ra.ms);
        if (ra.phases !== undefined) aPhases.push(ra.phases);
        b.push((await runBuilderOnce(warm, 'bare', bareArgs)).ms);
        options.log(`overhead pair ${i + 1}/${overheadPairs}: builder up ${(a[i]! / 1000).toFixed(1)} s, bare devcontainer up ${(b[i]! / 1000).toFixed(1)} s`);
      }
    }
    const s = (ms: number[]) => ms.map((x) => x / 1000);
    return [
      { id: 'overhead.builderUpSeconds', label: 'Warm `devcontainer-builder up` (init container run again)', unit: 's', samples: s(a) },
      { id: 'overhead.bareUpSeconds', label: 'Warm bare `devcontainer up`, same container and arguments', unit: 's', samples: s(b) },
      ...Object.keys(aPhases[0] ?? {}).map((phase): Figure => ({
        id: `overhead.builderPhase.${phase}`, label: `  builder up phase: ${phase}`, unit: 's', samples: aPhases.map((p) => (p[phase] ?? NaN) / 1000),
      })),
      { id: 'overhead.ratio', label: 'Builder overhead: builder up / bare up, per A B pair', unit: 'ratio', samples: pairRatios(a, b), target: { kind: 'max', value: 1.1, goal: 1.03 } },
    ];
  } finally {
    await runCleanups(env.cleanups);
  }
}
