// Issue 6 in the pod: the VS Code extensions of devcontainer.json and of a
// feature reach code-server inside the dev container, a removal is honoured,
// and an unknown id is logged without blocking the workspace.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import { BUILDER_LOG_SOURCE, fixtureFiles, inDevContainer, runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from './workspace-pod.js';

const RECORD_DIR = '/usr/local/share/devcontainer-builder/vscode';

describeDocker('issue 6: VS Code extensions from devcontainer.json', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.12.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('installs exactly the merged set into code-server as the remote user, and a failing one does not block the agent', async () => {
    const folder = '/workspaces/extensions';
    const repo = await env.git.createRepo('extensions', { files: await fixtureFiles('extensions') });
    const pod = workspacePod(env, { name: 'extensions', repo });
    await pod.start();
    const report = await waitForReports(env.coder, 0);
    expect(report['user']).toBe('dev');

    const calls = (await inDevContainer(pod, folder, ['cat', '/tmp/code-server-calls.log'])).stdout.trim().split('\n');
    const installs = calls.filter((c) => c.includes('--install-extension'));
    expect(installs.sort()).toEqual(['dev --install-extension bad.ext', 'dev --install-extension feature.ext', 'dev --install-extension good.ext']);
    expect(calls.every((c) => c.startsWith('dev '))).toBe(true);
    expect(calls.join('\n')).not.toContain('feature.removed');

    expect((await inDevContainer(pod, folder, ['cat', `${RECORD_DIR}/extensions.txt`])).stdout).toBe('feature.ext\ngood.ext\nbad.ext\n');
    expect(JSON.parse((await inDevContainer(pod, folder, ['cat', `${RECORD_DIR}/machine-settings.json`])).stdout)).toEqual({ a: 1 });

    const warnings = env.coder.logsFor(BUILDER_LOG_SOURCE).filter((l) => l.level === 'warn').map((l) => l.output);
    expect(warnings.some((w) => w.startsWith("VS Code extensions: ✘ bad.ext could not be installed: Extension 'bad.ext' not found."))).toBe(true);
  });
});
