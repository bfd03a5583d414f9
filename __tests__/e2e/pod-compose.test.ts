// Scenario 11 of issue 4: a Docker Compose based dev container comes up, or
// the builder fails with a clear message saying Compose is unsupported
// (the test builder image carries no Compose binary unless the host has the plugin).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import { coderLog, expectBuilderFailure, fixtureFiles, runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from './workspace-pod.js';

describeDocker('scenario 11: a Docker Compose based dev container', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.11.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('comes up, or the builder fails with a message saying Compose is unsupported', async () => {
    const repo = await env.git.createRepo('compose', { files: await fixtureFiles('compose') });
    const pod = workspacePod(env, { name: 'compose', repo });
    const outcome = await pod.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (outcome === undefined) {
      const report = await waitForReports(env.coder, 0);
      expect(report['cwd']).toBe('/workspaces/compose');
    } else {
      const failure = expectBuilderFailure(outcome, 1);
      const coder = coderLog(env.coder).join('\n');
      for (const text of [failure.logs, coder]) {
        // One error line that says Compose cannot be used, not just that something about it failed.
        expect(text).toMatch(/compose[^\n]*(unsupported|not supported|not installed|not available|missing)|(unsupported|not supported)[^\n]*compose/i);
      }
    }
  });
});
