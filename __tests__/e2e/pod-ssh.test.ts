// Issue 11 item 5: the template's pod clones an ssh:// repository from a real
// sshd (Debian's openssh-server, __tests__/support/ssh-git-server.ts) with
// the workspace owner's git SSH key, which the fake Coder serves at
// /api/v2/workspaceagents/me/gitsshkey as coderd does. The key must never
// appear in a log, an argv, .git/config, the workspaces volume or the dev
// container's environment; a wrong or missing known_hosts is a clear error.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import { generateGitSshKey, type GitSshKeyPair } from '../support/fake-coder.js';
import type { FixtureRepo } from '../support/git-server.js';
import { docker } from '../support/pod-runner.js';
import { startSshGitServer, type SshGitServer } from '../support/ssh-git-server.js';
import { fingerprint } from '../../builder/git/ssh-key.js';
import {
  coderLog,
  devContainerId,
  expectBuilderFailure,
  inDevContainer,
  processArgv,
  runCleanups,
  secretsIn,
  setUpEnv,
  workspacePod,
  type E2eEnv,
  type WorkspaceOptions,
} from './workspace-pod.js';

const FOLDER = '/workspaces/over-ssh';
const FILES = {
  'README.md': '# cloned over ssh\n',
  // No build and no download tool: the builder itself brings the agent in.
  '.devcontainer/devcontainer.json': '{ "name": "e2e-ssh", "image": "e2e/debian:bookworm" }\n',
};

describeDocker('issue 11.5: ssh repository URLs with the Coder git SSH key', () => {
  let env: E2eEnv;
  let key: GitSshKeyPair;
  let sshd: SshGitServer;
  let repo: FixtureRepo;
  /** The private key's base64 lines: none may show up anywhere. */
  let keyLines: string[];

  /** The known_hosts the template gives the builder: its `ssh_known_hosts` variable. */
  const knownHosts = (value: string | undefined): Partial<WorkspaceOptions> => ({ values: { 'var.ssh_known_hosts': value ?? '' } });

  beforeAll(async () => {
    key = await generateGitSshKey();
    keyLines = key.privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    env = await setUpEnv({ subnet: '10.213.13.0/24', coder: { gitSshKey: key } });
    sshd = await startSshGitServer({ network: env.network.name, name: 'cdk-e2e-sshd' });
    env.cleanups.push(() => sshd.close());
    await sshd.authorize([key.publicKey]);
    const source = await env.git.createRepo('over-ssh', { files: FILES });
    repo = { ...source, url: await sshd.addRepo('over-ssh', source.bareDir) };
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('issue 11.5: clones ssh://git@<server>/… with the key from Coder, and the key is nowhere to be found', async () => {
    const pod = workspacePod(env, { name: 'ssh', repo, ...knownHosts(sshd.knownHostsLine) });
    await pod.start();

    expect(repo.url).toMatch(/^ssh:\/\/git@10\.213\.13\.\d+\/srv\/git\/over-ssh\.git$/);
    expect((await pod.exec('dind', ['cat', `${FOLDER}/README.md`])).stdout).toBe('# cloned over ssh\n');
    const gitConfig = (await pod.exec('dind', ['cat', `${FOLDER}/.git/config`])).stdout;
    expect(gitConfig).toContain(`url = ${repo.url}`);
    // The builder fetched the key with the agent token, and sshd accepted exactly that key.
    const fetched = env.coder.requests.filter((r) => r.path === '/api/v2/workspaceagents/me/gitsshkey');
    expect(fetched.map((r) => [r.status, r.headers['coder-session-token']])).toEqual([[200, env.coder.token]]);
    expect(await sshd.logs()).toContain(`Accepted publickey for git from ${env.network.gateway.replace(/\.1$/, '.')}`);
    expect(await sshd.logs()).toContain(`ED25519 ${fingerprint(key.publicKey) ?? 'no fingerprint'}`);
    expect(coderLog(env.coder).join('\n')).toContain(`Using your Coder git SSH key (${fingerprint(key.publicKey) ?? ''})`);

    const logs = [
      coderLog(env.coder).join('\n'),
      await pod.logs('devcontainer-builder'),
      await pod.logs('devcontainer-agent'),
      ...env.coder.requests.map((r) => r.body),
      await sshd.logs(),
    ].join('\n');
    const argv = await processArgv(pod, FOLDER);
    expect(argv).toContain('agent');
    const volume = await pod.exec('dind', ['grep', '-rlF', '-e', keyLines[0] as string, '-e', keyLines.at(-1) as string, '/workspaces'], { reject: false });
    expect(volume.exitCode, `grep found the key in: ${volume.stdout}`).toBe(1);
    const devEnv = (await inDevContainer(pod, FOLDER, ['sh', '-c', 'env; cat /proc/[0-9]*/environ | tr "\\000" "\\n"'])).stdout;
    expect(devEnv).toContain('PATH=');
    const podEnv = (await pod.exec('devcontainer-agent', ['sh', '-c', 'cat /proc/[0-9]*/environ | tr "\\000" "\\n"'])).stdout;
    expect(podEnv).toContain('CODER_AGENT_URL=');
    for (const [where, text] of Object.entries({ logs, argv, gitConfig, devEnv, podEnv })) {
      expect(secretsIn(text, keyLines), where).toEqual([]);
    }
    // The key file lived on the init container's /dev/shm (a tmpfs), never in its image layer.
    const diff = (await docker(['diff', pod.containerName('devcontainer-builder')], { reject: false })).stdout;
    expect(diff).not.toMatch(/devcontainer-builder-ssh-|\/id$/m);
    await devContainerId(pod, FOLDER);
    await pod.destroy();
  });

  it('issue 11.5: a known_hosts with another key for the server fails the clone, saying the host key does not match', async () => {
    const other = await generateGitSshKey();
    const wrong = `${sshd.host} ${other.publicKey.trim()}`;
    const pod = workspacePod(env, { name: 'ssh-wrong', repo, withDevBase: false, ...knownHosts(wrong) });
    const failure = expectBuilderFailure(await pod.start().catch((e: unknown) => e), 1);
    expect(failure.logs).toMatch(/The SSH host key of 10\.213\.13\.\d+ does not match the one in DEVCONTAINER_SSH_KNOWN_HOSTS/);
    expect(failure.logs).toMatch(/Run `ssh-keyscan 10\.213\.13\.\d+`/);
    expect(failure.logs).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(secretsIn(failure.logs, keyLines)).toEqual([]);
    await pod.destroy();
  });

  it('issue 11.5: without known_hosts the builder refuses to start (exit 2), naming the variable and ssh-keyscan', async () => {
    const before = env.coder.requests.filter((r) => r.path === '/api/v2/workspaceagents/me/gitsshkey').length;
    const pod = workspacePod(env, { name: 'ssh-none', repo, withDevBase: false, ...knownHosts(undefined) });
    const failure = expectBuilderFailure(await pod.start().catch((e: unknown) => e), 2);
    expect(failure.logs).toMatch(/DEVCONTAINER_SSH_KNOWN_HOSTS is not set, but DEVCONTAINER_REPOSITORY is an ssh URL/);
    expect(failure.logs).toMatch(/ssh-keyscan 10\.213\.13\.\d+/);
    // Nothing was fetched or tried: no key was handed out for a clone that could not be checked.
    expect(env.coder.requests.filter((r) => r.path === '/api/v2/workspaceagents/me/gitsshkey').length).toBe(before);
    await pod.destroy();
  });
});
