// Issue 14.1, "Compose works end to end", on the template's pod: a Docker
// Compose dev container (workspace service `app` built from a Dockerfile
// with the checkout bind-mounted, a `db` service with a named volume,
// `runServices`, `workspaceFolder`, `postCreateCommand`, `remoteEnv`,
// `remoteUser`) comes up; a stop/start reuses both containers and keeps
// their data; a changed Compose file recreates the workspace service with
// the change while the named volume and the checkout stay.
//
// The builder runs from the test-only Compose layer (Debian's
// docker-compose 1.29, __tests__/support/images.ts): the Dev Containers CLI
// falls back to it when `docker compose` fails, so the CLI's real Compose
// path runs against DinD. The v2 plugin path is unit-tested
// (__tests__/builder/steps/compose.test.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import type { FixtureRepo } from '../support/git-server.js';
import { prepareComposeBuilderImage, testImages } from '../support/images.js';
import { PodFailure, type PodRunner } from '../support/pod-runner.js';
import { coderLogSince, editInSidecar, inDevContainerWithInput, processEnvironment, readContainerFile } from './dev-container.js';
import { BUILDER_LOG_SOURCE, coderLog, consoleTexts, devContainerId, expectBuilderFailure, dind, fixtureFiles, inDevContainer, runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from './workspace-pod.js';

const FOLDER = '/workspaces/compose';
const COMPOSE_FILE = `${FOLDER}/.devcontainer/docker-compose.yml`;
const HOME_FILE = '/home/dev/work.txt';

interface Report { user: string; cwd: string; pid: number; envNames: string[] }

/** One Compose service container of the workspace's project, as `docker ps -a` lists it. */
interface Service { id: string; service: string; running: boolean }

/**
 * The file postCreateCommand writes, once it is there: postCreateCommand runs
 * in the background after the agent started (issue 13.3), so wait (bounded).
 */
async function postCreateOfIn(pod: PodRunner, id: string): Promise<string | undefined> {
  let text = await readContainerFile(pod, id, '/home/dev/post-create.txt');
  for (let i = 0; i < 120 && text === undefined; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    text = await readContainerFile(pod, id, '/home/dev/post-create.txt');
  }
  return text;
}

describeDocker('issue 14.1: a Docker Compose dev container on the template pod', () => {
  let env: E2eEnv;
  let repo: FixtureRepo;
  let pod: PodRunner | undefined;
  let builderImage = '';

  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.11.0/24' });
    builderImage = await prepareComposeBuilderImage();
    expect(builderImage).not.toBe('');
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  /** (Re)starts the workspace pod, the volumes kept; returns the agent's report of this start. */
  async function start(rebuild = false): Promise<Report> {
    await pod?.stop();
    pod = workspacePod(env, { name: 'compose', repo, rebuild, builderImage: { ref: 'ghcr.io/vgijssel/devcontainer-builder:e2e-compose', image: testImages.builderCompose } });
    const before = env.coder.reports.length;
    await pod.start().catch((e: unknown) => {
      if (!(e instanceof PodFailure)) throw e;
      throw new Error(`${e.container} exited ${e.exitCode ?? '?'}:\n  ${consoleTexts(e.logs).slice(-30).join('\n  ')}`);
    });
    return (await waitForReports(env.coder, before, 120_000)) as unknown as Report;
  }

  /** The containers of the dev container's Compose project (its project label), by service. */
  async function services(): Promise<Record<string, Service>> {
    const app = await devContainerId(pod as PodRunner, FOLDER);
    const project = (await dind(pod as PodRunner, ['inspect', '--format', '{{index .Config.Labels "com.docker.compose.project"}}', app])).stdout.trim();
    expect(project, 'the dev container is a Compose service').not.toBe('');
    const r = await dind(pod as PodRunner, ['ps', '-a', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.ID}}\t{{.Label "com.docker.compose.service"}}\t{{.Status}}']);
    expect(r.exitCode, r.stderr).toBe(0);
    const list = r.stdout.split('\n').filter(Boolean).map((line) => {
      const [id = '', service = '', status = ''] = line.split('\t');
      return { id, service, running: status.startsWith('Up') };
    });
    return Object.fromEntries(list.map((s) => [s.service, s]));
  }

  /** What the db service answers to a connection from the workspace service, as remoteUser. */
  async function askDb(): Promise<string> {
    const r = await inDevContainer(pod as PodRunner, FOLDER, ['bash', '-c', 'exec 3<>/dev/tcp/db/5432 && timeout 10 cat <&3'], 'dev');
    expect(r.exitCode, `db reachable from app: ${r.stderr}`).toBe(0);
    return r.stdout;
  }

  /** Every checkout file outside .git with its hash, as the sidecar sees the workspaces volume. */
  async function checkoutFiles(): Promise<string[]> {
    const r = await (pod as PodRunner).exec('dind', ['sh', '-c', `cd ${FOLDER} && find . -path ./.git -prune -o -type f -print | sort | xargs sha256sum`], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('without Compose in the builder image (the test builder image has neither), fails with the clear error', async () => {
    const bare = await env.git.createRepo('compose-none', { files: await fixtureFiles('compose') });
    const none = workspacePod(env, { name: 'compose-none', repo: bare });
    const failure = expectBuilderFailure(await none.start().then(() => undefined, (e: unknown) => e), 1);
    const message = /This dev container uses Docker Compose \(dockerComposeFile in devcontainer\.json\), but Compose is not available in the builder image: neither `docker compose` nor `docker-compose` runs/;
    expect(failure.logs).toMatch(message);
    expect(coderLog(env.coder).join('\n')).toMatch(message);
    await none.destroy();
  });

  it('comes up, keeps both services and their data over a restart, applies a changed Compose file, keeps the services when its build fails, and rebuilds on request', async () => {
    repo = await env.git.createRepo('compose', { files: await fixtureFiles('compose') });

    // 1. Cold start.
    const first = await start();
    const detected = coderLogSince(env.coder, 0).map((l) => l.output).find((l) => l.startsWith('Docker Compose '));
    expect(detected, 'the builder found the v1 fallback').toMatch(/^Docker Compose 1\.29\.2 \(\/usr\/bin\/docker-compose; no docker compose plugin/);
    expect(first.user, 'the agent runs in the service container as remoteUser').toBe('dev');
    expect(first.cwd, 'the agent starts in workspaceFolder').toBe(FOLDER);
    const s1 = await services();
    expect(Object.keys(s1).sort(), 'runServices: app and db only, never unused').toEqual(['app', 'db']);
    expect(s1['app']?.running && s1['db']?.running).toBe(true);
    expect(s1['app']?.id.startsWith(await devContainerId(pod as PodRunner, FOLDER)), 'the dev container is the app service').toBe(true);
    const agentEnv = await processEnvironment(pod as PodRunner, s1['app']!.id, first.pid, 'dev');
    expect(agentEnv['E2E_COMPOSE_REMOTE_ENV'], 'remoteEnv reaches the agent').toBe('from-remote-env');
    expect(agentEnv['E2E_APP_SETTING'], 'the service environment too').toBe('one');
    expect(await postCreateOfIn(pod as PodRunner, s1['app']!.id)).toBe(`post-create as dev in ${FOLDER}\n`);
    expect(await askDb()).toBe('starts=1 data=');
    // The named volume is the DinD daemon's, on the docker-data PVC.
    const volume = await dind(pod as PodRunner, ['inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/var/lib/db"}}{{.Type}} {{.Source}}{{end}}{{end}}', s1['db']!.id]);
    expect(volume.stdout.trim()).toMatch(/^volume \/var\/lib\/docker\/volumes\/[^/]+db-data\/_data$/);
    // A bind mount of the Compose file (./db) resolved by the daemon at the checkout's path.
    expect((await dind(pod as PodRunner, ['exec', s1['db']!.id, 'test', '-f', '/opt/db/server.pl'])).exitCode).toBe(0);
    // Data a user makes: in the db's named volume and in the app container's home.
    expect((await dind(pod as PodRunner, ['exec', s1['db']!.id, 'sh', '-c', 'printf kept > /var/lib/db/data.txt'])).exitCode).toBe(0);
    expect((await inDevContainerWithInput(pod as PodRunner, FOLDER, ['sh', '-c', `cat > ${HOME_FILE}`], 'home work\n', 'dev')).exitCode).toBe(0);
    const checkout = await checkoutFiles();
    expect(checkout.some((l) => l.endsWith('./.devcontainer/docker-compose.yml'))).toBe(true);

    // 2. Stop and start (PVCs kept): the same two containers, their data, the agent again.
    const second = await start();
    expect(second.user).toBe('dev');
    expect(second.cwd).toBe(FOLDER);
    const s2 = await services();
    expect(Object.keys(s2).sort()).toEqual(['app', 'db']);
    expect(s2['app']?.id, 'the workspace service container is reused').toBe(s1['app']?.id);
    expect(s2['db']?.id, 'the db container is reused').toBe(s1['db']?.id);
    expect(s2['app']?.running && s2['db']?.running).toBe(true);
    expect(await askDb(), 'the db started again, its volume kept').toBe('starts=2 data=kept');
    expect(await readContainerFile(pod as PodRunner, s2['app']!.id, HOME_FILE)).toBe('home work\n');
    expect(await checkoutFiles()).toEqual(checkout);

    // 3. A changed Compose file (as the user edits it): the workspace service is recreated with the change.
    const compose = (await (pod as PodRunner).exec('dind', ['cat', COMPOSE_FILE])).stdout;
    expect(compose).toContain('E2E_APP_SETTING: "one"');
    await editInSidecar(pod as PodRunner, COMPOSE_FILE, compose.replace('E2E_APP_SETTING: "one"', 'E2E_APP_SETTING: "two"'));
    const edited = await checkoutFiles();
    const third = await start();
    expect(third.user).toBe('dev');
    const s3 = await services();
    expect(Object.keys(s3).sort()).toEqual(['app', 'db']);
    expect(s3['app']?.id, 'a new workspace service container').not.toBe(s1['app']?.id);
    const setting = await inDevContainer(pod as PodRunner, FOLDER, ['printenv', 'E2E_APP_SETTING'], 'dev');
    expect(setting.stdout.trim(), 'the change is applied').toBe('two');
    const agentEnv3 = await processEnvironment(pod as PodRunner, s3['app']!.id, third.pid, 'dev');
    expect(agentEnv3['E2E_APP_SETTING']).toBe('two');
    expect(await postCreateOfIn(pod as PodRunner, s3['app']!.id), 'postCreate ran in the new container').toBe(`post-create as dev in ${FOLDER}\n`);
    expect(await askDb(), 'the named volume kept its data').toMatch(/^starts=\d+ data=kept$/);
    expect(await checkoutFiles(), 'the checkout is untouched').toEqual(edited);
    expect(edited.filter((l) => !checkout.includes(l)).map((l) => l.split(/\s+/)[1])).toEqual(['./.devcontainer/docker-compose.yml']);

    // 4. A changed Compose file whose build fails (a Dockerfile that is not
    // there): the builder builds first, so the running services stay, and
    // after the restart both are started again, data kept.
    expect((await inDevContainerWithInput(pod as PodRunner, FOLDER, ['sh', '-c', `cat > ${HOME_FILE}`], 'more work\n', 'dev')).exitCode).toBe(0);
    const working = (await (pod as PodRunner).exec('dind', ['cat', COMPOSE_FILE])).stdout;
    await editInSidecar(pod as PodRunner, COMPOSE_FILE, working.replace('dockerfile: Dockerfile', 'dockerfile: Missing.Dockerfile'));
    const logFrom = env.coder.logsFor(BUILDER_LOG_SOURCE).length;
    const fourth = await start();
    expect(fourth.user, 'the agent runs in the kept workspace service').toBe('dev');
    const s4 = await services();
    expect(s4['app']?.id, 'the workspace service container is kept').toBe(s3['app']?.id);
    expect(s4['app']?.running && s4['db']?.running, 'both services run again').toBe(true);
    expect(await readContainerFile(pod as PodRunner, s4['app']!.id, HOME_FILE)).toBe('more work\n');
    expect(await askDb()).toMatch(/^starts=\d+ data=kept$/);
    const said = coderLogSince(env.coder, logFrom).map((l) => l.output).join('\n');
    expect(said).toContain('Building the new image first');
    expect(said, 'the db was started by the builder, not by Compose').toMatch(/Starting the stopped containers of the Compose project \S+ too: /);
    expect(said).toMatch(/The workspace runs the PREVIOUS dev container [0-9a-f]{12} instead; nothing was removed\./);

    // 5. The Compose file repaired and the service's Dockerfile changed (not
    // fingerprinted: docs/builder.md, Docker Compose), with the rebuild
    // parameter: a new workspace service from the new image, data kept.
    await editInSidecar(pod as PodRunner, COMPOSE_FILE, working);
    const dockerfile = `${FOLDER}/.devcontainer/Dockerfile`;
    const dockerfileText = (await (pod as PodRunner).exec('dind', ['cat', dockerfile])).stdout;
    await editInSidecar(pod as PodRunner, dockerfile, `${dockerfileText}RUN echo rebuilt > /etc/e2e-rebuilt\n`);
    const fifth = await start(true);
    expect(fifth.user).toBe('dev');
    const s5 = await services();
    expect(s5['app']?.id, 'a new workspace service container').not.toBe(s4['app']?.id);
    expect(await readContainerFile(pod as PodRunner, s5['app']!.id, '/etc/e2e-rebuilt')).toBe('rebuilt\n');
    expect(s5['db']?.running).toBe(true);
    expect(await askDb()).toMatch(/^starts=\d+ data=kept$/);
  });
});
