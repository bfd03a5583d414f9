// Target 3 of issue 13: users in before the lifecycle ends. Each run is a
// fresh template pod (new volumes, so a new dev container whose
// postCreateCommand runs) of bench/fixtures/slow-postcreate, whose
// postCreateCommand takes 30 s. Measured from the pod's start (`start()`):
// the stub agent's first report (agent connected) and the "Dev Container"
// log line the command prints as it ends, with the time the builder stamped
// on it (same host clock). The lead of the agent is their difference.
import type { FakeCoder } from '../__tests__/support/fake-coder.js';
import { BUILDER_LOG_SOURCE, runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from '../__tests__/e2e/workspace-pod.js';
import type { FixtureRepo } from '../__tests__/support/git-server.js';
import { benchFixture } from './fixture.js';
import type { Figure } from './report.js';

/** The line bench/fixtures/slow-postcreate prints when its postCreateCommand ends. */
export const POST_CREATE_END = 'bench-waitfor: postCreateCommand ends';

export interface WaitForBenchOptions {
  /** Fresh pods, one sample each. @default 3 */
  readonly runs?: number;
  readonly log: (line: string) => void;
}

/** One run: ms from the pod's start to the agent's first report and to the end of postCreateCommand. */
export interface WaitForRun {
  readonly agentMs: number;
  readonly postCreateEndMs: number;
}

/**
 * The epoch ms of the first stored "Dev Container" line that is `text` (the
 * command's own output line; the CLI's echo of the command text also
 * contains it, so a substring would match too early), if any.
 */
export function lineTime(coder: FakeCoder, text: string, after: number): number | undefined {
  const line = coder.logsFor(BUILDER_LOG_SOURCE).find((l) => outputIs(l.output, text) && Date.parse(l.created_at) >= after);
  return line === undefined ? undefined : Date.parse(line.created_at);
}

/** A log line's text without colours and surrounding blanks equals `text`. */
export function outputIs(output: string, text: string): boolean {
  return output.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').trim() === text;
}

async function oneRun(env: E2eEnv, repo: FixtureRepo, name: string): Promise<WaitForRun> {
  const pod = workspacePod(env, { name, repo });
  const before = env.coder.reports.length;
  const reportsBefore = env.coder.requests.filter((r) => r.path === '/report').length;
  const started = Date.now();
  try {
    await pod.start();
    await waitForReports(env.coder, before, 10 * 60_000);
    const report = env.coder.requests.filter((r) => r.path === '/report')[reportsBefore];
    if (report === undefined) throw new Error('the agent report was counted but its request is missing');
    // postCreateCommand sleeps 30 s: its end line comes well within 3 minutes of the agent.
    const deadline = Date.now() + 180_000;
    let ended = lineTime(env.coder, POST_CREATE_END, started);
    while (ended === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      ended = lineTime(env.coder, POST_CREATE_END, started);
    }
    if (ended === undefined) throw new Error(`no "${POST_CREATE_END}" line in the Dev Container log within 3 min of the agent connecting`);
    return { agentMs: report.at - started, postCreateEndMs: ended - started };
  } finally {
    await pod.destroy();
  }
}

export async function benchWaitFor(options: WaitForBenchOptions): Promise<Figure[]> {
  const runs = options.runs ?? 3;
  // Its own bridge subnet: a leftover of another suite never blocks this one.
  const env = await setUpEnv({ subnet: '10.214.4.0/24' });
  try {
    const repo = await env.git.createRepo('app', { files: await benchFixture('slow-postcreate') });
    const samples: WaitForRun[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await oneRun(env, repo, `bench-waitfor-${i}`);
      samples.push(run);
      options.log(`waitfor run ${i + 1}/${runs}: agent connected at ${(run.agentMs / 1000).toFixed(1)} s, postCreateCommand ended at ${(run.postCreateEndMs / 1000).toFixed(1)} s`);
    }
    const s = (pick: (r: WaitForRun) => number) => samples.map((r) => pick(r) / 1000);
    return [
      { id: 'waitfor.agentSeconds', label: 'waitFor: fresh pod to agent connected', unit: 's', samples: s((r) => r.agentMs),
        note: 'bench/fixtures/slow-postcreate: no image build, a 30 s postCreateCommand, default waitFor (updateContentCommand)' },
      { id: 'waitfor.postCreateEndSeconds', label: 'waitFor: fresh pod to the end of postCreateCommand (its last "Dev Container" line)', unit: 's', samples: s((r) => r.postCreateEndMs) },
      { id: 'waitfor.leadSeconds', label: 'waitFor: agent connects before postCreateCommand ends, by', unit: 's', samples: s((r) => r.postCreateEndMs - r.agentMs), target: { kind: 'min', value: 25 } },
    ];
  } finally {
    await runCleanups(env.cleanups);
  }
}
