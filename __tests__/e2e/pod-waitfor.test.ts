// Issue 13.3: waitFor. The builder's `up` stops after updateContentCommand
// (the default waitFor); the agent connects while postCreateCommand still
// runs in the background, its output in the "Dev Container" log; a restart
// runs postStartCommand again in the background, never postCreateCommand.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import { coderLog, fixtureFiles, inDevContainer, runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from './workspace-pod.js';
import type { PodRunner } from '../support/pod-runner.js';
import { outputIs } from '../../bench/waitfor.js';

const FOLDER = '/workspaces/waitfor';

/**
 * Lines of the Dev Container log that are `text` (the commands' own output;
 * the CLI's echo of a command's text contains it too).
 */
const linesOf = (env: E2eEnv, text: string) => coderLog(env.coder).filter((l) => outputIs(l, text));

/** Waits (bounded) until the Dev Container log holds `count` lines starting with `prefix`. */
async function untilLogged(env: E2eEnv, prefix: string, count = 1, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (coderLog(env.coder).filter((l) => l.startsWith(prefix)).length < count) {
    if (Date.now() > deadline) throw new Error(`"${prefix}" not logged ${count} time(s) within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeDocker('issue 13.3: users in before the lifecycle ends', () => {
  let env: E2eEnv;
  let pod: PodRunner;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.23.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  const count = async (name: string) => {
    const r = await inDevContainer(pod, FOLDER, ['sh', '-c', `cat /root/${name}.count 2>/dev/null || true`]);
    return r.stdout.split('\n').filter(Boolean).length;
  };

  it('cold start: the agent connects while postCreateCommand runs; its output and end reach the Dev Container log', async () => {
    const repo = await env.git.createRepo('waitfor', { files: await fixtureFiles('waitfor') });
    pod = workspacePod(env, { name: 'waitfor', repo });
    await pod.start();
    await waitForReports(env.coder, 0);
    // The agent is in: postCreateCommand (20 s of sleep) has not ended yet.
    expect(linesOf(env, 'e2e-waitfor: postCreateCommand ends')).toEqual([]);
    expect(await count('postCreate')).toBe(0);
    expect(coderLog(env.coder).some((l) => l.startsWith('▶ Lifecycle commands after waitFor (updateContentCommand) in the background'))).toBe(true);

    await untilLogged(env, '✔ Lifecycle commands (postCreateCommand, postStartCommand) finished');
    expect(linesOf(env, 'e2e-waitfor: postCreateCommand begins')).toHaveLength(1);
    expect(linesOf(env, 'e2e-waitfor: postCreateCommand ends')).toHaveLength(1);
    expect(await count('postCreate')).toBe(1);
    expect(await count('postStart')).toBe(1);
    // One agent: the background run never restarted it.
    expect(env.coder.reports.length).toBe(1);
  });

  it('restart: postStartCommand again in the background, postCreateCommand not again', async () => {
    const reportsBefore = env.coder.reports.length;
    await pod.stop();
    await pod.start();
    await waitForReports(env.coder, reportsBefore);
    await untilLogged(env, '✔ Lifecycle commands (postStartCommand) finished');
    expect(await count('postStart')).toBe(2);
    expect(await count('postCreate')).toBe(1);
    expect(linesOf(env, 'e2e-waitfor: postCreateCommand begins')).toHaveLength(1);
    expect(linesOf(env, 'e2e-waitfor: postStartCommand ran')).toHaveLength(2);
  });
});
