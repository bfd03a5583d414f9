// Scenarios 7, 8 and 10 (413) of issue 4: failures must be named in the
// Coder log with their last lines, a fallback image must still let the agent
// connect when there is no dev container, a dev container that exists is kept
// and used (issue 10.1), a wrong token must never show up anywhere, and a
// full Coder log must not stop the build.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import {
  BUILDER_LOG_SOURCE,
  DEV_BASE_IMAGE,
  coderLog,
  dind,
  expectBuilderFailure,
  devContainerId,
  fixtureFiles,
  inDevContainer,
  runCleanups,
  secretsIn,
  setUpEnv,
  waitForReports,
  workspacePod,
  type E2eEnv,
} from './workspace-pod.js';

describeDocker('scenarios 7 and 8: build, lifecycle and checkout failures', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.7.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  /** The Dev Container log's warnings after line `from`, once one contains `text` (bounded: the background lifecycle run ends within minutes). */
  const warningsOnceLogged = async (from: number, text: string): Promise<string> => {
    const deadline = Date.now() + 180_000;
    const warnings = () => env.coder.logsFor(BUILDER_LOG_SOURCE).slice(from).filter((l) => l.level === 'warn').map((l) => l.output).join('\n');
    while (!warnings().includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    return warnings();
  };

  it('7a. a failing RUN is named with its last lines, and the agent connects to the recovery container', async () => {
    const folder = '/workspaces/failing-build';
    const repo = await env.git.createRepo('failing-build', { files: await fixtureFiles('failing-build') });
    // The template's fallback_image variable, resolved to the local Debian base.
    const pod = workspacePod(env, { name: 'failbuild', repo, fallbackImage: DEV_BASE_IMAGE });
    await pod.start();
    const report = await waitForReports(env.coder, 0);
    expect(report['cwd']).toBe(folder);

    const coder = coderLog(env.coder).join('\n');
    expect(coder).toMatch(/could not be built/);
    expect(coder).toMatch(/\| .*e2e-build-last-words: about to fail/);
    expect(coder).toMatch(/There is no dev container: starting the RECOVERY container/);
    // The recovery container is what the builder labels as the workspace's container.
    const id = await devContainerId(pod, folder);
    expect((await dind(pod, ['inspect', '--format', '{{index .Config.Labels "devcontainer-builder.fallback"}}', id])).stdout.trim()).toBe('true');
    expect(secretsIn([coder, await pod.logs('devcontainer-builder')].join('\n'), [env.coder.token, env.git.token])).toEqual([]);
    await pod.destroy();
  });

  it('7b. postCreateCommand exiting 42 (after waitFor, issue 13.3) does not hold the agent back; the Dev Container log says why with its last lines and what to do', async () => {
    const folder = '/workspaces/failing-postcreate';
    const repo = await env.git.createRepo('failing-postcreate', { files: await fixtureFiles('failing-postcreate') });
    const before = coderLog(env.coder).length;
    const reportsBefore = env.coder.reports.length;
    const pod = workspacePod(env, { name: 'failpost', repo });
    await pod.start();
    const report = await waitForReports(env.coder, reportsBefore);
    expect(report['cwd']).toBe(folder);

    // It runs in the background once the agent started: its failure is a warning there, bounded wait.
    const warnings = await warningsOnceLogged(before, 'The workspace keeps running without it');
    expect(warnings).toMatch(/⚠ The dev container's postCreateCommand failed/);
    expect(warnings).toMatch(/\| .*e2e-postcreate-last-words/);
    expect(warnings).toMatch(/42/);
    expect(warnings).toMatch(/Fix postCreateCommand in \.devcontainer\/devcontainer\.json\. The Dev Containers CLI runs it once per container/);
    // The one labelled container is the dev container itself, not a recovery container.
    const id = await devContainerId(pod, folder);
    expect((await dind(pod, ['inspect', '--format', '{{index .Config.Labels "devcontainer-builder.fallback"}}', id])).stdout.trim()).toBe('');
    await pod.destroy();
  });

  it('7c. issue 10.1: a restart whose postStartCommand now fails keeps the same container, says why (in the background, issue 13.3), and the agent connects', async () => {
    const folder = '/workspaces/poststart';
    // The postStartCommand fails once the checkout has a file the user made:
    // a plain restart (same configuration), as seen on the pod.
    const config = { name: 'e2e-poststart', image: DEV_BASE_IMAGE, postStartCommand: `if [ -e ${folder}/break-poststart ]; then echo e2e-poststart-last-words; exit 7; fi` };
    const repo = await env.git.createRepo('poststart', { files: { '.devcontainer/devcontainer.json': JSON.stringify(config, null, 2), 'README.md': 'poststart\n' } });
    let reportsBefore = env.coder.reports.length;
    const pod = workspacePod(env, { name: 'poststart', repo });
    await pod.start();
    await waitForReports(env.coder, reportsBefore);
    const id = await devContainerId(pod, folder);
    expect((await inDevContainer(pod, folder, ['sh', '-c', `echo precious > ${folder}/break-poststart`])).exitCode).toBe(0);

    const before = coderLog(env.coder).length;
    reportsBefore = env.coder.reports.length;
    await pod.stop();
    await pod.start();
    const report = await waitForReports(env.coder, reportsBefore);
    expect(report['cwd']).toBe(folder);
    expect(await devContainerId(pod, folder)).toBe(id);
    expect((await inDevContainer(pod, folder, ['cat', `${folder}/break-poststart`])).stdout.trim()).toBe('precious');
    const warnings = await warningsOnceLogged(before, 'The workspace keeps running without it');
    expect(warnings).toMatch(/postStartCommand failed/);
    expect(warnings).toMatch(/\| .*e2e-poststart-last-words/);
    expect(warnings).toMatch(/it runs again at every start/);
    await pod.destroy();
  });

  it('8. a private repository with a wrong token fails clearly, and no token appears in any log', async () => {
    const repo = await env.git.createRepo('private', { files: await fixtureFiles('no-download-tool') });
    const wrong = 'ghp_wrongTokenE2e0123456789abcdefABCDEF';
    const before = coderLog(env.coder).length;
    // Fails at checkout, before any build: no base image needed.
    const pod = workspacePod(env, { name: 'private', repo, ghToken: wrong, withDevBase: false });
    const error = await pod.start().catch((e: unknown) => e);
    const failure = expectBuilderFailure(error, 1);
    const coder = coderLog(env.coder).slice(before).join('\n');
    expect(coder).toMatch(/✘ up failed in step "checkout"/);
    expect(coder).toMatch(/auth|credential|token|denied|401/i);
    // The server saw the wrong credentials and refused them.
    expect(env.git.requests.some((r) => r.path.includes('/private') && !r.authorized)).toBe(true);
    const everything = [failure.logs, await pod.logs('dind'), ...env.coder.requests.map((r) => r.body)].join('\n');
    expect(secretsIn(everything, [wrong, env.git.token, env.coder.token])).toEqual([]);
    await pod.destroy();
  });
});

describeDocker('scenario 10: Coder answers 413 once its log limit is reached', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.10.0/24', coder: { limitBytes: 8 * 1024 } });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('the build still succeeds and the agent connects', async () => {
    const repo = await env.git.createRepo('limited', { files: await fixtureFiles('no-download-tool') });
    const pod = workspacePod(env, { name: 'limited', repo });
    await pod.start();
    const report = await waitForReports(env.coder, 0);
    expect(report['cwd']).toBe('/workspaces/limited');
    expect(env.coder.requests.some((r) => r.status === 413)).toBe(true);
    expect(env.coder.usedBytes).toBeLessThanOrEqual(8 * 1024);
    expect((await pod.status('devcontainer-agent'))?.running).toBe(true);
  });
});
