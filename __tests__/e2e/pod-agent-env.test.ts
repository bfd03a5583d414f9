// Issue 11, items 7, 8 and 10, on the template's pod: the Coder agent in a
// dev container whose workspaceFolder is /work/app (as with Compose), whose
// remoteEnv appends /opt/tools/bin to the image's PATH, and whose image has
// no curl, wget or busybox (the builder downloads the agent itself).
//
// What the real agent does that the stub does not, the test does itself:
// a Coder terminal is the user's shell started as a login shell with the
// agent's environment (coder/coder agent/agentssh/agentssh.go,
// `CreateCommand`: `$SHELL -l`, `os.Environ()`), so "a terminal" here is
// `bash -l` with the stub agent's environment, read from /proc.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import type { FixtureRepo } from '../support/git-server.js';
import type { PodRunner } from '../support/pod-runner.js';
import { dind, fixtureFiles, inDevContainer, runCleanups, setUpEnv, waitForReports, workspacePod, type E2eEnv } from './workspace-pod.js';
import { editInSidecar, findDevContainer, processEnvironment } from './dev-container.js';

const FOLDER = '/workspaces/agent-env';
const REAL = '/work/app';

interface Report {
  user: string;
  cwd: string;
  pid: number;
}

describeDocker('issue 11.7, 11.8, 11.10: the Coder agent in the dev container', () => {
  let env: E2eEnv;
  let repo: FixtureRepo;
  let pod: PodRunner | undefined;
  let containerId = '';
  let report: Report | undefined;

  async function start(): Promise<Report> {
    await pod?.stop();
    pod = workspacePod(env, { name: 'agentenv', repo });
    const before = env.coder.reports.length;
    await pod.start();
    return (await waitForReports(env.coder, before, 120_000)) as unknown as Report;
  }

  /** A command as the agent's child sees it: the agent's environment (minus its token), as dev. */
  async function withAgentEnv(command: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const agentEnv = await processEnvironment(pod as PodRunner, containerId, (report as Report).pid, 'dev');
    const envArgs = Object.entries(agentEnv).filter(([k]) => k !== 'CODER_AGENT_TOKEN').flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const r = await dind(pod as PodRunner, ['exec', '-u', 'dev', '-w', REAL, ...envArgs, containerId, ...command]);
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.21.0/24' });
    repo = await env.git.createRepo('agent-env', { files: await fixtureFiles('agent-env') });
  });
  afterAll(async () => {
    await pod?.stop();
    await runCleanups(env.cleanups);
  });

  it('issue 11.8: the agent starts in the real workspaceFolder, and /workspaces/<repo> (what the apps open) leads there', async () => {
    report = await start();
    expect(report.user).toBe('dev');
    expect(report.cwd).toBe(REAL);
    containerId = (await findDevContainer(pod as PodRunner, FOLDER))?.id ?? '';
    expect(containerId).not.toBe('');
    const link = await inDevContainer(pod as PodRunner, FOLDER, ['sh', '-c', `test "${FOLDER}" -ef "${REAL}" && test -f "${FOLDER}/.devcontainer/devcontainer.json" && readlink "${FOLDER}"`], 'dev');
    expect(link.exitCode, link.stderr).toBe(0);
    expect(link.stdout.trim()).toBe(REAL);
    // The link is in the container, not in the checkout.
    expect((await inDevContainer(pod as PodRunner, FOLDER, ['sh', '-c', `ls -A ${REAL}`], 'dev')).stdout.split('\n').sort().filter(Boolean)).toEqual(['.devcontainer', '.git', 'README.md']);
  });

  it('issue 11.7: the downloaded agent is `coder` on PATH for the agent\'s children and in a terminal', async () => {
    expect(report, 'needs the first start').toBeDefined();
    const child = await withAgentEnv(['sh', '-c', 'command -v coder']);
    expect(child.exitCode, child.stderr).toBe(0);
    expect(child.stdout.trim()).toBe('/tmp/.devcontainer-builder-bin/coder');
    const terminal = await withAgentEnv(['bash', '-l', '-c', 'command -v coder']);
    expect(terminal.exitCode, terminal.stderr).toBe(0);
    expect(terminal.stdout.trim()).toBe('/tmp/.devcontainer-builder-bin/coder');
  });

  it('issue 11.10: a terminal (login shell) the agent opens keeps the remoteEnv PATH, which /etc/profile resets', async () => {
    expect(report, 'needs the first start').toBeDefined();
    const terminal = await withAgentEnv(['bash', '-l', '-c', 'echo "$PATH"; command -v e2e-tool; echo "$E2E_AGENT_ENV"']);
    expect(terminal.exitCode, terminal.stderr).toBe(0);
    const [path, tool, value] = terminal.stdout.trim().split('\n');
    expect(path?.split(':')).toEqual(expect.arrayContaining(['/usr/bin', '/opt/tools/bin']));
    expect(tool).toBe('/opt/tools/bin/e2e-tool');
    expect(value).toBe('from-remoteEnv');
  });

  it('issue 11.10: an agent started with plain docker exec (devcontainer.json broken) has the remote environment of the last start', async () => {
    expect(report, 'needs the first start').toBeDefined();
    await editInSidecar(pod as PodRunner, `${FOLDER}/.devcontainer/devcontainer.json`, '{ "name": "broken", \n');
    report = await start();
    const c = await findDevContainer(pod as PodRunner, FOLDER);
    expect(c?.id, 'the same dev container is kept').toBe(containerId);
    expect(report.cwd).toBe(REAL);
    const agentEnv = await processEnvironment(pod as PodRunner, containerId, report.pid, 'dev');
    expect(agentEnv['PATH']?.split(':')).toEqual(expect.arrayContaining(['/usr/bin', '/opt/tools/bin']));
    expect(agentEnv['E2E_AGENT_ENV']).toBe('from-remoteEnv');
  });
});
