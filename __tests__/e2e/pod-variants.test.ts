// Scenarios 5 and 6 + 10 (401 window) of issue 4: dev container shapes
// other than the plain Dockerfile one, each in its own template pod.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import {
  coderLog,
  consoleTexts,
  devContainerId,
  dind,
  fixtureFiles,
  inDevContainer,
  reportTokens,
  runCleanups,
  secretsIn,
  setUpEnv,
  waitForReports,
  workspacePod,
  type E2eEnv,
} from './workspace-pod.js';

describeDocker('scenario 5: a privileged dev container running its own dockerd', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.5.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('comes up with overrideCommand false and build context .., and runs a container inside', async () => {
    const folder = '/workspaces/privileged';
    const repo = await env.git.createRepo('privileged', { files: await fixtureFiles('privileged-dind') });
    const pod = workspacePod(env, { name: 'privileged', repo, withDindBase: true });
    await pod.start();
    const report = await waitForReports(env.coder, 0);
    expect(report['user']).toBe('root');
    expect(report['cwd']).toBe(folder);
    expect(reportTokens(env.coder)).toEqual([env.coder.token]);

    const id = await devContainerId(pod, folder);
    expect((await dind(pod, ['inspect', '--format', '{{.HostConfig.Privileged}}', id])).stdout.trim()).toBe('true');
    // The build context was the repository root.
    expect((await inDevContainer(pod, folder, ['cat', '/opt/e2e/context-proof.txt'])).stdout.trim()).toBe('context is the repository root');

    // Its own dockerd (started by the image's entrypoint, not overridden) answers…
    const deadline = Date.now() + 60_000;
    let info = await inDevContainer(pod, folder, ['docker', 'info', '--format', '{{.ServerVersion}}']);
    while (info.exitCode !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      info = await inDevContainer(pod, folder, ['docker', 'info', '--format', '{{.ServerVersion}}']);
    }
    expect(info.exitCode, info.stderr).toBe(0);
    // …and runs a container: the base image goes in from the pod's daemon (nothing can pull).
    const load = await pod.exec(
      'dind',
      ['sh', '-c', `docker -H unix:///var/run/dind/docker.sock save e2e/debian:bookworm | docker -H unix:///var/run/dind/docker.sock exec -i ${id} docker load -q`],
      { reject: false, timeoutMs: 300_000 },
    );
    expect(load.exitCode, load.stderr).toBe(0);
    const inner = await inDevContainer(pod, folder, ['docker', 'run', '--rm', 'e2e/debian:bookworm', 'echo', 'hello from the innermost container']);
    expect(inner.stdout.trim(), inner.stderr).toBe('hello from the innermost container');
    // Free the two cores for the next pod; afterAll still cleans up after a failure.
    await pod.destroy();
  });
});

describeDocker('scenarios 6 and 10: no curl, wget or busybox, while Coder answers 401 at first', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.6.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('the agent still starts, and no log line is lost to the 401 window', async () => {
    const folder = '/workspaces/nocurl';
    const repo = await env.git.createRepo('nocurl', { files: await fixtureFiles('no-download-tool') });
    // Coder's 401 window (agent token valid before its provision job finished)
    // is opened right before the builder starts, as a number of refused
    // requests: a window in seconds from server start would depend on how
    // fast this machine gets the sidecar up, and could close before the
    // builder's first request or outlast a quick build.
    const pod = workspacePod(env, { name: 'nocurl', repo, beforeBuilder: () => env.coder.failNext(401, 4) });
    await pod.start();
    const report = await waitForReports(env.coder, 0);
    expect(report['cwd']).toBe(folder);
    expect(report['devcontainersEnable']).toBe('false');
    expect(reportTokens(env.coder)).toEqual([env.coder.token]);
    const tools = await inDevContainer(pod, folder, ['sh', '-c', 'command -v curl || command -v wget || command -v busybox']);
    expect(tools.exitCode, `found ${tools.stdout}`).not.toBe(0);

    // The 401 window was really hit, and every line arrived after it.
    expect(env.coder.requests.some((r) => r.path.startsWith('/api/') && r.status === 401)).toBe(true);
    const stored = new Set(coderLog(env.coder));
    const missing = consoleTexts(await pod.logs('devcontainer-builder')).filter((t) => !stored.has(t) && !stored.has(t.slice(0, 1024)));
    expect(missing).toEqual([]);
    const all = [await pod.logs('devcontainer-builder'), await pod.logs('devcontainer-agent'), ...env.coder.requests.map((r) => r.body)].join('\n');
    expect(secretsIn(all, [env.coder.token, env.git.token])).toEqual([]);
    await pod.destroy();
  });
});
