// Issue 10, "Never lose a user's work", on the template's pod: a file in the
// dev container's home directory (outside /workspaces, so only the container
// holds it) survives every restart that needs no new container, (a) to (f),
// and the container id changes only after a container-affecting edit that
// builds and starts; the replaced container is kept, stopped, as the one
// backup, (g) and the last step. One workspace (its PVCs kept from start to start); the home file is
// written once. Edits happen in the checkout on the volume, as a user makes
// them in the dev container; the builder never pulls an existing checkout.
//
// Every lettered step first makes sure the workspace is healthy: when an
// earlier step broke it (container replaced, start failed), the step restarts
// it once and, if the home file was lost, writes it again, so the result of
// each step is its own and never a consequence of an earlier failure.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import type { FixtureRepo } from '../support/git-server.js';
import { PodFailure, type PodRunner } from '../support/pod-runner.js';
import {
  BUILDER_LOG_SOURCE,
  DEV_BASE_IMAGE,
  consoleTexts,
  fixtureFiles,
  inDevContainer,
  runCleanups,
  setUpEnv,
  waitForReports,
  workspacePod,
  type E2eEnv,
} from './workspace-pod.js';
import {
  coderLogSince,
  containerExists,
  deploymentHostnames,
  editInDevContainer,
  editInSidecar,
  findDevContainer,
  inDevContainerWithInput,
  processEnvironment,
  readContainerFile,
} from './dev-container.js';

const FOLDER = '/workspaces/data-safety';
const HOME_FILE = '/home/dev/precious.txt';
const PRECIOUS = 'work kept outside /workspaces\n';
const DOCKERFILE = '.devcontainer/Dockerfile';
const POST_START = '.devcontainer/post-start.sh';
const CONFIG = '.devcontainer/devcontainer.json';
const MISSING_BRANCH = 'e2e-no-such-branch';

interface Report {
  user: string;
  cwd: string;
  pid: number;
  envNames: string[];
}

/** One start of the workspace: why the pod failed, or the agent's report. */
interface Start {
  failure?: string;
  report?: Report;
  /** Index of the first builder log line this start stored in the fake Coder. */
  logFrom: number;
}

/** A failed start in a few lines: the container, its exit code, and the builder's last lines. */
function describeFailure(e: unknown): string {
  if (!(e instanceof PodFailure)) return String(e);
  return [`${e.container} exited ${e.exitCode ?? '?'}`, ...consoleTexts(e.logs).slice(-6)].join('\n  ');
}

describeDocker('issue 10: data safety, the dev container home directory survives restarts', () => {
  let env: E2eEnv;
  let repo: FixtureRepo;
  let files: Record<string, string>;
  let pod: PodRunner | undefined;
  let containerId = '';
  let healthy = false;
  const hostnames = deploymentHostnames('coder-e2e-safety');
  let hostname = '';

  const file = (name: string) => files[name] as string;
  const current = () => findDevContainer(pod as PodRunner, FOLDER);
  const homeFile = async () => {
    const c = await current();
    return c === undefined ? undefined : readContainerFile(pod as PodRunner, c.id, HOME_FILE);
  };
  const writeHomeFile = async () => {
    const r = await inDevContainerWithInput(pod as PodRunner, FOLDER, ['sh', '-c', `cat > ${HOME_FILE}`], PRECIOUS, 'dev');
    expect(r.exitCode, r.stderr).toBe(0);
  };

  /** Stops the pod (volumes kept) and starts it again, with the branch parameter given. */
  async function restart(branch?: string): Promise<Start> {
    await pod?.stop();
    pod = workspacePod(env, {
      name: 'safety', repo, branch,
      // The template's default recovery image (the builder image), here the local base.
      fallbackImage: DEV_BASE_IMAGE,
      hostname: () => (hostname = hostnames()),
    });
    const reportsBefore = env.coder.reports.length;
    const logFrom = env.coder.logsFor(BUILDER_LOG_SOURCE).length;
    const failure = await pod.start().then(() => undefined, describeFailure);
    const report = failure === undefined ? await waitForReports(env.coder, reportsBefore, 90_000).catch(() => undefined) : undefined;
    healthy = report !== undefined;
    return { failure, report: report as Report | undefined, logFrom };
  }

  /**
   * Gets back to a running dev container holding the home file when an
   * earlier step broke either: restarts once if no dev container runs, then
   * checks against the container that runs now.
   */
  async function ensureHealthy(step: string): Promise<void> {
    expect(containerId, 'needs the cold start').not.toBe('');
    let c = await current();
    if (!healthy || c === undefined || !c.running || c.recovery) {
      console.warn(`${step}: an earlier step left no running dev container (${c === undefined ? 'none' : `${c.id.slice(0, 12)}, recovery ${c.recovery}`}); restarting`);
      const s = await restart();
      c = await current();
      if (s.report === undefined || c === undefined || c.recovery) {
        throw new Error(`${step} cannot run: the workspace does not come back after an earlier failure: ${s.failure ?? 'no agent report'}`);
      }
    }
    if (c.id !== containerId) {
      console.warn(`${step}: an earlier step replaced the dev container; now checking against ${c.id.slice(0, 12)}`);
      containerId = c.id;
    }
    if ((await homeFile()) !== PRECIOUS) {
      console.warn(`${step}: ${HOME_FILE} was lost in an earlier step; writing it again`);
      await writeHomeFile();
    }
  }

  /** The start kept everything: the workspace runs, the agent reports as remoteUser, same container, home file there. */
  async function expectKept(s: Start, label = ''): Promise<void> {
    expect.soft(s.failure, `${label}the workspace starts`).toBeUndefined();
    expect.soft(s.report?.user, `${label}an agent reports from the dev container, as its remoteUser`).toBe('dev');
    expect.soft((await pod?.status('devcontainer-agent'))?.running, `${label}the agent container runs`).toBe(true);
    const c = await current();
    if (c?.id !== containerId) {
      // Not asserted (the builder's wording may change): why the container went, for whoever reads the failure.
      const why = coderLogSince(env.coder, s.logFrom).filter((l) => /recreat|changed|remov|recovery/i.test(l.output)).slice(0, 4);
      console.warn(`${label}container replaced; the builder said: ${why.map((l) => l.output).join(' / ') || 'nothing about it'}`);
    }
    expect.soft(c?.id, `${label}the dev container is the same container`).toBe(containerId);
    expect.soft(c?.recovery, `${label}it is the dev container, not a recovery container`).toBe(false);
    expect.soft(await homeFile(), `${label}${HOME_FILE} survives`).toBe(PRECIOUS);
  }

  /** An error line of this start in the Coder log quotes the failing command's output. */
  function expectErrorLine(s: Start, text: string): void {
    const lines = coderLogSince(env.coder, s.logFrom);
    const errors = lines.filter((l) => l.level === 'error' && l.output.includes(text)).map((l) => l.output);
    expect.soft(errors, `an error line in the Coder log quotes "${text}" (of ${lines.length} lines)`).not.toEqual([]);
  }

  /**
   * A warning of this start quotes the failing command's output: lifecycle
   * commands after waitFor run in the background once the agent started
   * (issue 13.3), so the line comes later (bounded wait).
   */
  async function expectWarningLine(s: Start, text: string): Promise<void> {
    const deadline = Date.now() + 180_000;
    const warnings = () => coderLogSince(env.coder, s.logFrom).filter((l) => l.level === 'warn' && l.output.includes(text)).map((l) => l.output);
    while (warnings().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect.soft(warnings(), `a warning line in the Coder log quotes "${text}"`).not.toEqual([]);
  }

  beforeAll(async () => {
    // Coder gives every workspace build a new agent with its own 1 MiB of
    // logs; here one fake Coder serves a dozen starts.
    env = await setUpEnv({ subnet: '10.213.20.0/24', coder: { limitBytes: 32 * 1_048_576 } });
    files = await fixtureFiles('data-safety');
    repo = await env.git.createRepo('data-safety', { files });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('cold start: the dev container runs as dev with remoteEnv resolved; the home file is written once', async () => {
    const s = await restart();
    expect(s.failure).toBeUndefined();
    expect(s.report?.user).toBe('dev');
    expect(s.report?.cwd).toBe(FOLDER);
    const c = await current();
    expect(c?.recovery).toBe(false);
    containerId = (c as { id: string }).id;
    await writeHomeFile();
    expect(await homeFile()).toBe(PRECIOUS);
    const agentEnv = await processEnvironment(pod as PodRunner, containerId, (s.report as Report).pid, 'dev');
    expect(agentEnv['PATH']?.split(':')).toEqual(expect.arrayContaining(['/usr/bin', '/opt/tools/bin']));
    expect(agentEnv['PATH']).not.toContain('${');
    expect(agentEnv['E2E_POD_HOSTNAME']).toBe(hostname);
  });

  it('(a) a plain restart keeps the container and the home file', async () => {
    await ensureHealthy('(a)');
    await expectKept(await restart());
  });

  it('(b) a restart whose postStartCommand now fails keeps them, logs a warning with its output, and the agent is live', async () => {
    await ensureHealthy('(b)');
    await editInDevContainer(pod as PodRunner, FOLDER, `${FOLDER}/${POST_START}`, '#!/bin/sh\necho "e2e-post-start-last-words: exiting 7"\nexit 7\n', 'dev');
    try {
      const s = await restart();
      await expectKept(s);
      await expectWarningLine(s, 'e2e-post-start-last-words');
    } finally {
      await editInSidecar(pod as PodRunner, `${FOLDER}/${POST_START}`, file(POST_START));
    }
  });

  it('(c) a restart after a broken Dockerfile edit keeps them, logs the error with its output, and the agent is live', async () => {
    await ensureHealthy('(c)');
    const broken = `${file(DOCKERFILE)}RUN echo "e2e-dockerfile-last-words: about to fail" && exit 3\n`;
    await editInDevContainer(pod as PodRunner, FOLDER, `${FOLDER}/${DOCKERFILE}`, broken, 'dev');
    try {
      const s = await restart();
      await expectKept(s);
      expectErrorLine(s, 'e2e-dockerfile-last-words');
    } finally {
      await editInSidecar(pod as PodRunner, `${FOLDER}/${DOCKERFILE}`, file(DOCKERFILE));
    }
  });

  it('(d) a restart with the branch parameter set to a missing branch keeps them and names the branch', async () => {
    await ensureHealthy('(d)');
    const s = await restart(MISSING_BRANCH);
    await expectKept(s);
    const named = coderLogSince(env.coder, s.logFrom).filter((l) => l.output.includes(MISSING_BRANCH));
    expect.soft(named, `the Coder log names ${MISSING_BRANCH}`).not.toEqual([]);
  });

  it('(e) a restart after a remoteEnv-only edit keeps them, and the agent has the new variable', async () => {
    await ensureHealthy('(e)');
    const edited = file(CONFIG).replace('"E2E_POD_HOSTNAME"', '"E2E_EDITED_REMOTE_ENV": "edited",\n    "E2E_POD_HOSTNAME"');
    expect(edited).not.toBe(file(CONFIG));
    // Left in place: a valid configuration the later steps run with.
    await editInDevContainer(pod as PodRunner, FOLDER, `${FOLDER}/${CONFIG}`, edited, 'dev');
    const s = await restart();
    await expectKept(s);
    expect.soft(s.report?.envNames, 'the agent has the edited remoteEnv').toContain('E2E_EDITED_REMOTE_ENV');
  });

  it('(f) two restarts of a config using ${containerEnv:PATH} and ${localEnv:HOSTNAME} keep them', async () => {
    await ensureHealthy('(f)');
    const seen = new Set<string>();
    for (const n of [1, 2]) {
      if (n > 1) await ensureHealthy(`(f) restart ${n}`);
      const s = await restart();
      // The stand-in does what Kubernetes does: a new pod name, hence HOSTNAME, at every start.
      const builderHost = (await (pod as PodRunner).exec('devcontainer-agent', ['printenv', 'HOSTNAME'], { reject: false })).stdout.trim();
      expect(builderHost).toBe(hostname);
      expect(seen.has(hostname)).toBe(false);
      seen.add(hostname);
      await expectKept(s, `restart ${n}: `);
    }
  });

  // The first backup: the container (g) kept, then replaced with the fixed configuration.
  let firstBackup = '';

  it('(g) a configuration that builds but whose container cannot start keeps the old container running, unchanged; the fix replaces it and keeps the old one as a backup', async () => {
    await ensureHealthy('(g)');
    const old = containerId;
    const config = (await (pod as PodRunner).exec('dind', ['cat', `${FOLDER}/${CONFIG}`])).stdout;
    const withMounts = (mounts: string) => config.replace('"remoteUser": "dev",', `"remoteUser": "dev",\n  "mounts": [${mounts}],`);
    // The image builds (nothing in it changed); `docker run` refuses the bind mount
    // ("bind source path does not exist") before creating the container.
    const broken = withMounts('"source=/does-not-exist,target=/x,type=bind"');
    expect(broken).not.toBe(config);
    await editInDevContainer(pod as PodRunner, FOLDER, `${FOLDER}/${CONFIG}`, broken, 'dev');
    const s = await restart();
    expect.soft(s.failure, 'the builder exits 0').toBeUndefined();
    expectErrorLine(s, 'The NEW configuration built, but its container could not start');
    expectErrorLine(s, 'bind source path does not exist');
    expectErrorLine(s, 'instead, unchanged');
    expect.soft(s.report?.user, 'the agent reports from the old container').toBe('dev');
    const c = await current();
    expect.soft(c?.id, 'the old container runs').toBe(old);
    expect.soft(await homeFile(), `${HOME_FILE} is still there`).toBe(PRECIOUS);

    // The fix (another mount, one that exists): a new container, the old one the backup.
    await editInSidecar(pod as PodRunner, `${FOLDER}/${CONFIG}`, withMounts('"source=/workspaces,target=/x,type=bind"'));
    const fixed = await restart();
    expect(fixed.failure).toBeUndefined();
    expect(fixed.report?.user).toBe('dev');
    const replaced = await current();
    if (replaced?.id === old) {
      // Not asserted: what the builder said, for whoever reads the failure.
      const said = coderLogSince(env.coder, fixed.logFrom).filter((l) => l.level === 'error' || l.level === 'warn').slice(0, 30);
      console.warn(`(g) the fix did not replace the container; the builder said:\n${said.map((l) => l.output).join('\n')}`);
    }
    expect(replaced?.id).not.toBe(old);
    expect(await homeFile(), 'the new container starts without the home file').toBeUndefined();
    expect(await containerExists(pod as PodRunner, old), 'the old container is kept as the backup').toBe(true);
    expect(await readContainerFile(pod as PodRunner, old, HOME_FILE), 'the backup holds the home file').toBe(PRECIOUS);
    const told = coderLogSince(env.coder, fixed.logFrom).filter((l) => l.output.includes('docker cp'));
    expect.soft(told, 'the log says how to copy files out of the backup').not.toEqual([]);
    firstBackup = old;
    containerId = (replaced as { id: string }).id;
  });

  it('a container-affecting edit that builds replaces the container, the previous container becomes the only backup and keeps the home file', async () => {
    await ensureHealthy('(rebuild)');
    const old = containerId;
    const tools = `${file(DOCKERFILE)}RUN mkdir -p /opt/tools/bin && ln -s /bin/true /opt/tools/bin/e2e-tool\n`;
    await editInDevContainer(pod as PodRunner, FOLDER, `${FOLDER}/${DOCKERFILE}`, tools, 'dev');
    const s = await restart();
    expect(s.failure).toBeUndefined();
    expect(s.report?.user).toBe('dev');
    const c = await current();
    expect(c?.recovery).toBe(false);
    expect(c?.id).not.toBe(old);
    // The new container starts without it; the replaced one is the backup and holds it.
    expect(await homeFile()).toBeUndefined();
    expect(await containerExists(pod as PodRunner, old)).toBe(true);
    expect(await readContainerFile(pod as PodRunner, old, HOME_FILE)).toBe(PRECIOUS);
    // At most one backup: the one (g) kept is removed now.
    if (firstBackup !== '') expect(await containerExists(pod as PodRunner, firstBackup)).toBe(false);
    expect((await inDevContainer(pod as PodRunner, FOLDER, ['test', '-x', '/opt/tools/bin/e2e-tool'])).exitCode).toBe(0);
    const agentEnv = await processEnvironment(pod as PodRunner, (c as { id: string }).id, (s.report as Report).pid, 'dev');
    expect(agentEnv['PATH']?.split(':')).toEqual(expect.arrayContaining(['/usr/bin', '/opt/tools/bin']));
  });
});
