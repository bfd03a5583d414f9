// Scenarios 1-4 of issue 4 on one workspace pod, in order, sharing one cold
// build: cold start → restart → configuration change → rebuild flag. The pod
// is the template's own deployment run by the pod runner; its DinD daemon
// builds the dev container of the `dockerfile-feature` fixture.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import type { FixtureRepo } from '../support/git-server.js';
import type { PodRunner } from '../support/pod-runner.js';
import {
  BUILDER_LOG_SOURCE,
  coderLog,
  consoleTexts,
  devContainerId,
  dind,
  fixtureFiles,
  inDevContainer,
  processArgv,
  reportTokens,
  runCleanups,
  secretsIn,
  setUpEnv,
  waitForReports,
  workspacePod,
  type E2eEnv,
} from './workspace-pod.js';

const FOLDER = '/workspaces/app';

interface Report {
  user: string;
  uid: number;
  cwd: string;
  devcontainersEnable: string;
  hasToken: boolean;
  envNames: string[];
}

describeDocker('workspace pod: cold start, restart, configuration change, rebuild flag', () => {
  let env: E2eEnv;
  let repo: FixtureRepo;
  let pod: PodRunner;
  let coldMs = 0;
  let containerId = '';
  let imageId = '';

  const marker = async (name: string) =>
    (await pod.exec('dind', ['cat', `${FOLDER}/.markers/${name}`], { reject: false })).stdout
      .split('\n')
      .filter(Boolean);
  // Issue 13.3: postCreate, postStart and postAttach run in the background
  // after the agent started; their run ends with one of these lines (not
  // `up`'s own "✔ Lifecycle commands (<duration>)" of the commands up to waitFor).
  const lifecycleEnds = () => coderLog(env.coder).filter((l) => /^(✔ Lifecycle commands \(\w+Command|⚠ The workspace keeps running without)/.test(l)).length;
  const untilLifecycleEnded = async (count: number) => {
    const deadline = Date.now() + 180_000;
    while (lifecycleEnds() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect(lifecycleEnds(), 'background lifecycle runs ended').toBe(count);
  };
  const allLogs = async () =>
    [
      await pod.logs('devcontainer-builder'),
      await pod.logs('devcontainer-agent'),
      ...env.coder.requests.filter((r) => r.path !== '/report').map((r) => r.body),
    ].join('\n');

  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.0.0/24' });
    repo = await env.git.createRepo('app', { files: await fixtureFiles('dockerfile-feature') });
    pod = workspacePod(env, { name: 'app', repo });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('1. cold start: builds in DinD, runs the agent as remoteUser in the workspace, streams every line', async () => {
    const started = Date.now();
    await pod.start();
    const report = (await waitForReports(env.coder, 0)) as unknown as Report;
    coldMs = Date.now() - started;

    expect(report.user).toBe('dev');
    expect(report.uid).toBe(1000);
    expect(report.cwd).toBe(FOLDER);
    expect(report.devcontainersEnable).toBe('false');
    expect(report.hasToken).toBe(true);
    expect(reportTokens(env.coder)).toEqual([env.coder.token]);
    // The environment a terminal in the dev container has: remoteEnv, containerEnv, the feature's env.
    expect(report.envNames).toEqual(expect.arrayContaining(['E2E_REMOTE_ENV', 'E2E_CONTAINER_ENV', 'E2E_FEATURE_ENV', 'CODER_AGENT_TOKEN']));

    // Built inside DinD, not on the host engine; the local feature was installed.
    containerId = await devContainerId(pod, FOLDER);
    imageId = (await dind(pod, ['inspect', '--format', '{{.Image}}', containerId])).stdout.trim();
    expect(imageId).toMatch(/^sha256:/);
    expect((await inDevContainer(pod, FOLDER, ['cat', '/usr/local/share/e2e/feature-installed'])).stdout.trim()).toBe('hello-from-feature');

    // Every lifecycle command ran once, as the remote user (initializeCommand in the builder).
    await untilLifecycleEnded(1);
    for (const name of ['onCreateCommand', 'updateContentCommand', 'postCreateCommand', 'postStartCommand']) {
      expect(await marker(name), name).toEqual(['dev']);
    }
    expect((await pod.exec('devcontainer-agent', ['cat', `${FOLDER}/.markers-host/initializeCommand`])).stdout.trim()).toMatch(/^\d+$/);
    // Issue 11.4: initializeCommand is repository code running in the builder container; it sees no token and no Coder script.
    const initEnv = (await pod.exec('devcontainer-agent', ['cat', `${FOLDER}/.markers-host/initializeCommand.env`])).stdout;
    expect(initEnv).toMatch(/^PATH=/m);
    expect(secretsIn(initEnv, [env.coder.token, env.git.token])).toEqual([]);
    expect(initEnv).not.toMatch(/^(CODER_AGENT_TOKEN|CODER_INIT_SCRIPT|GH_TOKEN|GITHUB_TOKEN|DOCKER_CONFIG)=/m);

    // Every builder line reached the fake Coder, under the registered source.
    expect(env.coder.sources.get(BUILDER_LOG_SOURCE)?.display_name).toBe('Dev Container');
    const stored = new Set(coderLog(env.coder));
    const missing = consoleTexts(await pod.logs('devcontainer-builder')).filter((text) => !stored.has(text) && !stored.has(text.slice(0, 1024)));
    expect(missing).toEqual([]);
    expect(stored.size).toBeGreaterThan(10);

    expect(secretsIn(await allLogs(), [env.coder.token, env.git.token])).toEqual([]);
    // Tokens travel as environment only: no process in the pod or the dev container has one in its argv.
    const argv = await processArgv(pod, FOLDER);
    expect(argv).toContain('agent');
    expect(secretsIn(argv, [env.coder.token, env.git.token])).toEqual([]);
    expect((await pod.status('devcontainer-agent'))?.running).toBe(true);
  });

  it('2. restart: same container, no rebuild, postStartCommand again, uncommitted work kept, agent back', async () => {
    expect(containerId, 'needs the cold start').not.toBe('');
    const write = await inDevContainer(pod, FOLDER, ['sh', '-c', `echo precious > ${FOLDER}/notes.txt`], 'dev');
    expect(write.exitCode, write.stderr).toBe(0);
    const imagesBefore = (await dind(pod, ['images', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort();
    const reportsBefore = env.coder.reports.length;

    await pod.stop();
    const started = Date.now();
    await pod.start();
    const report = (await waitForReports(env.coder, reportsBefore)) as unknown as Report;
    const restartMs = Date.now() - started;
    console.log(`cold start ${(coldMs / 1000).toFixed(1)} s, restart ${(restartMs / 1000).toFixed(1)} s`);

    expect(await devContainerId(pod, FOLDER)).toBe(containerId);
    expect((await dind(pod, ['inspect', '--format', '{{.Image}}', containerId])).stdout.trim()).toBe(imageId);
    expect((await dind(pod, ['images', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort()).toEqual(imagesBefore);
    await untilLifecycleEnded(2);
    expect(await marker('postCreateCommand')).toEqual(['dev']);
    expect(await marker('postStartCommand')).toEqual(['dev', 'dev']);
    expect((await inDevContainer(pod, FOLDER, ['cat', `${FOLDER}/notes.txt`])).stdout.trim()).toBe('precious');
    expect(report.user).toBe('dev');
    expect(report.cwd).toBe(FOLDER);
    // One agent per start: no second agent turned up while the first is alive.
    await new Promise((r) => setTimeout(r, 5000));
    expect(env.coder.reports.length).toBe(reportsBefore + 1);
    expect(secretsIn(await allLogs(), [env.coder.token, env.git.token])).toEqual([]);
  });

  it('3. configuration change in the checkout: the dev container is rebuilt on restart', async () => {
    expect(containerId, 'needs the cold start').not.toBe('');
    const edit = await inDevContainer(
      pod,
      FOLDER,
      ['sed', '-i', 's/"from-container-env"/"changed-container-env"/', `${FOLDER}/.devcontainer/devcontainer.json`],
      'dev',
    );
    expect(edit.exitCode, edit.stderr).toBe(0);
    // The same change pushed, as a user would.
    const config = (await fixtureFiles('dockerfile-feature'))['.devcontainer/devcontainer.json'] as string;
    await repo.commit('main', { '.devcontainer/devcontainer.json': config.replace('"from-container-env"', '"changed-container-env"') });
    const reportsBefore = env.coder.reports.length;

    await pod.stop();
    await pod.start();
    await waitForReports(env.coder, reportsBefore);

    const newId = await devContainerId(pod, FOLDER);
    expect(newId).not.toBe(containerId);
    expect((await inDevContainer(pod, FOLDER, ['printenv', 'E2E_CONTAINER_ENV'])).stdout.trim()).toBe('changed-container-env');
    await untilLifecycleEnded(3);
    expect(await marker('postCreateCommand')).toEqual(['dev', 'dev']);
    expect((await inDevContainer(pod, FOLDER, ['cat', `${FOLDER}/notes.txt`])).stdout.trim()).toBe('precious');
    containerId = newId;
  });

  it('4. rebuild flag: the dev container is rebuilt without a change', async () => {
    expect(containerId, 'needs the cold start').not.toBe('');
    const reportsBefore = env.coder.reports.length;
    await pod.stop();
    pod = workspacePod(env, { name: 'app', repo, rebuild: true });
    await pod.start();
    const report = (await waitForReports(env.coder, reportsBefore)) as unknown as Report;

    const newId = await devContainerId(pod, FOLDER);
    expect(newId).not.toBe(containerId);
    await untilLifecycleEnded(4);
    expect(await marker('postCreateCommand')).toEqual(['dev', 'dev', 'dev']);
    expect(report.user).toBe('dev');
    expect((await inDevContainer(pod, FOLDER, ['cat', `${FOLDER}/notes.txt`])).stdout.trim()).toBe('precious');
  });
});
