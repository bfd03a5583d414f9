import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_FROM, loadConfig, type BuilderCommand } from '../../builder/config.js';
import { ConfigError } from '../../builder/errors.js';

const AGENT_TOKEN = 'agent-secret-5f1c9e';
const GH = 'ghp_secretTOKEN123';
/** A host key made with ssh-keygen -t ed25519 for these tests. */
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPOL4iVRWu3q/SnKuvUkp3Yt9A0O4gXD9fRYf+VDmB43';

const base: NodeJS.ProcessEnv = {
  CODER_AGENT_URL: 'https://coder.example.com/',
  CODER_AGENT_TOKEN: AGENT_TOKEN,
  CODER_INIT_SCRIPT: '#!/bin/sh\necho init',
  DEVCONTAINER_REPOSITORY: 'https://github.com/vgijssel/setup.git',
};

/** The ConfigError thrown for `env`, or a failed expectation when none is thrown. */
function problemsOf(command: BuilderCommand, env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(command, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig defaults', () => {
  it('resolves every default from the minimal environment', () => {
    const config = loadConfig('up', { ...base, CODER_INIT_SCRIPT: undefined });
    expect(config).toEqual({
      command: 'up',
      agentUrl: 'https://coder.example.com/',
      agentToken: AGENT_TOKEN,
      initScript: undefined,
      repository: 'https://github.com/vgijssel/setup.git',
      branch: undefined,
      cacheFrom: [DEFAULT_CACHE_FROM],
      cacheTo: undefined,
      workspacesRoot: '/workspaces',
      workspaceFolder: '/workspaces/setup',
      stateDir: '/workspaces/.devcontainer-builder',
      rebuild: false,
      fallbackImage: undefined,
      githubToken: undefined,
      dockerHost: undefined,
      timeouts: { dockerWaitMs: 120_000, cloneMs: 600_000, upMs: 3_600_000 },
      logBudgetBytes: 524_288,
      devcontainer: { capacity: {} },
      secrets: [AGENT_TOKEN],
    });
  });

  it('reads every optional variable', () => {
    const config = loadConfig('agent', {
      ...base,
      DEVCONTAINER_REPOSITORY: 'git@github.com:vgijssel/My.Repo-1.git',
      DEVCONTAINER_BRANCH: 'refs/heads/feature/x',
      DEVCONTAINER_CACHE_FROM: ' ghcr.io/a/b:latest, ,localhost:5000/cache ',
      DEVCONTAINER_CACHE_TO: 'ghcr.io/a/b:cache',
      DEVCONTAINER_WORKSPACES_ROOT: '/tmp/ws/',
      DEVCONTAINER_REBUILD: 'YES',
      DEVCONTAINER_FALLBACK_IMAGE: 'mcr.microsoft.com/devcontainers/base:ubuntu',
      GH_TOKEN: GH,
      GITHUB_TOKEN: 'other-token',
      DOCKER_HOST: 'unix:///var/run/dind/docker.sock',
      DEVCONTAINER_DOCKER_WAIT_SECONDS: '5',
      DEVCONTAINER_CLONE_TIMEOUT_SECONDS: '60',
      DEVCONTAINER_UP_TIMEOUT_SECONDS: '7200',
      DEVCONTAINER_LOG_BUDGET_BYTES: '100000',
    });
    expect(config).toMatchObject({
      branch: 'feature/x',
      cacheFrom: ['ghcr.io/a/b:latest', 'localhost:5000/cache'],
      cacheTo: 'ghcr.io/a/b:cache',
      workspacesRoot: '/tmp/ws',
      workspaceFolder: '/tmp/ws/My.Repo-1',
      stateDir: '/tmp/ws/.devcontainer-builder',
      rebuild: true,
      fallbackImage: 'mcr.microsoft.com/devcontainers/base:ubuntu',
      githubToken: GH,
      dockerHost: 'unix:///var/run/dind/docker.sock',
      timeouts: { dockerWaitMs: 5000, cloneMs: 60_000, upMs: 7_200_000 },
      logBudgetBytes: 100_000,
    });
    expect(config.secrets).toEqual([AGENT_TOKEN, GH, 'other-token']);
  });

  it('uses GITHUB_TOKEN when GH_TOKEN is unset, and an empty GH_TOKEN counts as unset', () => {
    expect(loadConfig('up', { ...base, GH_TOKEN: '', GITHUB_TOKEN: GH }).githubToken).toBe(GH);
  });

  it('treats an empty DEVCONTAINER_CACHE_FROM as no cache and an empty branch as the default branch', () => {
    const config = loadConfig('up', { ...base, DEVCONTAINER_CACHE_FROM: '', DEVCONTAINER_BRANCH: '' });
    expect(config.cacheFrom).toEqual([]);
    expect(config.branch).toBeUndefined();
  });

  it('takes DEVCONTAINER_WORKSPACE_FOLDER as given, normalized', () => {
    expect(loadConfig('up', { ...base, DEVCONTAINER_WORKSPACE_FOLDER: '/workspaces/x/../code/' }).workspaceFolder).toBe('/workspaces/code');
  });

  it.each([['true', true], ['1', true], ['False', false], ['0', false], ['no', false], ['Yes', true]])('parses DEVCONTAINER_REBUILD=%s', (value, expected) => {
    expect(loadConfig('up', { ...base, DEVCONTAINER_REBUILD: value }).rebuild).toBe(expected);
  });

  it('lets `run` go without the agent variables (laptop path)', () => {
    const config = loadConfig('run', { DEVCONTAINER_REPOSITORY: 'https://example.com/x/y' });
    expect(config.agentUrl).toBeUndefined();
    expect(config.initScript).toBeUndefined();
    expect(config.secrets).toEqual([]);
  });
});

describe('loadConfig failures', () => {
  const required: [BuilderCommand, string][] = [
    ['up', 'CODER_AGENT_URL'], ['up', 'CODER_AGENT_TOKEN'], ['up', 'DEVCONTAINER_REPOSITORY'],
    ['agent', 'CODER_AGENT_URL'], ['agent', 'CODER_AGENT_TOKEN'], ['agent', 'CODER_INIT_SCRIPT'], ['agent', 'DEVCONTAINER_REPOSITORY'],
    ['run', 'CODER_INIT_SCRIPT'], ['run', 'DEVCONTAINER_REPOSITORY'],
  ];
  it.each(required)('fails for `%s` when %s is missing', (command, name) => {
    const error = problemsOf(command, { ...base, [name]: undefined });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^${name} is not set: `));
    expect(error.exitCode).toBe(2);
    expect(error.step).toBe('config');
  });

  it('fails for `run` when only one of the agent variables is set', () => {
    expect(problemsOf('run', { ...base, CODER_AGENT_TOKEN: undefined }).problems).toEqual([
      'CODER_AGENT_TOKEN is not set but CODER_AGENT_URL is: set both to stream logs to Coder and start the agent, or neither to only build the dev container.',
    ]);
    const onlyToken = problemsOf('run', { ...base, CODER_AGENT_URL: undefined, CODER_INIT_SCRIPT: undefined });
    expect(onlyToken.problems).toEqual([expect.stringMatching(/^CODER_AGENT_URL is not set but CODER_AGENT_TOKEN is:/)]);
    expect(onlyToken.message).not.toContain(AGENT_TOKEN);
  });

  const malformed: [string, string, RegExp][] = [
    ['CODER_AGENT_URL', 'coder.example.com', /^CODER_AGENT_URL is not an http\(s\) URL \(got "coder.example.com"\)/],
    ['DEVCONTAINER_REPOSITORY', 'not a url', /^DEVCONTAINER_REPOSITORY contains whitespace/],
    ['DEVCONTAINER_REPOSITORY', 'ftp://host/x/y.git', /unsupported scheme "ftp"/],
    ['DEVCONTAINER_REPOSITORY', 'https://github.com/', /has no repository name/],
    ['DEVCONTAINER_REPOSITORY', 'owner/repo', /is not a git URL/],
    ['DEVCONTAINER_BRANCH', 'feature..x', /^DEVCONTAINER_BRANCH "feature..x" contains "\.\."/],
    ['DEVCONTAINER_BRANCH', 'a b', /contains a space/],
    ['DEVCONTAINER_CACHE_FROM', 'ghcr.io/ok/cache,Bad Image', /^DEVCONTAINER_CACHE_FROM entry "Bad Image" is not an image reference/],
    ['DEVCONTAINER_CACHE_TO', 'https://ghcr.io/x', /^DEVCONTAINER_CACHE_TO entry "https:\/\/ghcr.io\/x"/],
    ['DEVCONTAINER_FALLBACK_IMAGE', 'UPPER/case', /^DEVCONTAINER_FALLBACK_IMAGE entry "UPPER\/case"/],
    ['DEVCONTAINER_WORKSPACES_ROOT', 'workspaces', /^DEVCONTAINER_WORKSPACES_ROOT "workspaces" is not an absolute path/],
    ['DEVCONTAINER_WORKSPACE_FOLDER', 'code', /^DEVCONTAINER_WORKSPACE_FOLDER "code" is not an absolute path/],
    ['DEVCONTAINER_WORKSPACE_FOLDER', '/workspaces', /^DEVCONTAINER_WORKSPACE_FOLDER "\/workspaces" overlaps the builder's state directory/],
    ['DEVCONTAINER_WORKSPACE_FOLDER', '/', /^DEVCONTAINER_WORKSPACE_FOLDER is "\/"/],
    ['DEVCONTAINER_REBUILD', 'maybe', /^DEVCONTAINER_REBUILD "maybe" is not a boolean/],
    ['DOCKER_HOST', '/var/run/docker.sock', /^DOCKER_HOST "\/var\/run\/docker.sock" is not a Docker endpoint/],
    ['DEVCONTAINER_DOCKER_WAIT_SECONDS', '0', /^DEVCONTAINER_DOCKER_WAIT_SECONDS "0" is not a whole number from 1 to 604800/],
    ['DEVCONTAINER_CLONE_TIMEOUT_SECONDS', '10m', /^DEVCONTAINER_CLONE_TIMEOUT_SECONDS "10m" is not a whole number/],
    ['DEVCONTAINER_UP_TIMEOUT_SECONDS', '-5', /^DEVCONTAINER_UP_TIMEOUT_SECONDS "-5" is not a whole number/],
    ['DEVCONTAINER_LOG_BUDGET_BYTES', '2000000', /^DEVCONTAINER_LOG_BUDGET_BYTES "2000000" is not a whole number from 4096 to 1048576/],
  ];
  it.each(malformed)('fails when %s is %j', (name, value, pattern) => {
    const error = problemsOf('up', { ...base, [name]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(pattern);
  });

  it('fails on secrets with whitespace without printing them', () => {
    const error = problemsOf('up', { ...base, CODER_AGENT_TOKEN: 'abc def', GH_TOKEN: 'ghp_x\nghp_y' });
    expect(error.problems).toEqual([
      'CODER_AGENT_TOKEN contains whitespace: pass the token exactly as Coder issued it.',
      'GH_TOKEN contains whitespace or a line break: pass the bare token.',
    ]);
    expect(error.message).not.toMatch(/abc|ghp_/);
  });

  it('issue 11.4: an https repository URL with a user name (a token as the user) is rejected, without printing it', () => {
    for (const url of ['https://ghp_abcdefTOKEN0123456789@github.com/o/r.git', 'http://someone@git.example.com/o/r.git']) {
      const error = problemsOf('up', { ...base, DEVCONTAINER_REPOSITORY: url });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/DEVCONTAINER_REPOSITORY has a user name in its https URL.*GH_TOKEN/);
      expect(error.message).not.toContain('ghp_abcdefTOKEN0123456789');
      expect(error.message).not.toContain('someone');
    }
    // ssh URLs name their user (git@) and carry no secret in it.
    expect(() => loadConfig('up', { ...base, DEVCONTAINER_REPOSITORY: 'ssh://git@github.com/o/r.git', DEVCONTAINER_SSH_KNOWN_HOSTS: `github.com ${HOST_KEY}` })).not.toThrow();
  });

  it('issue 11.5: an ssh URL in a workspace needs known host keys, with one message saying how to get them', () => {
    for (const command of ['up', 'run'] as const) {
      const error = problemsOf(command, { ...base, DEVCONTAINER_REPOSITORY: 'ssh://git@git.example.com:2222/o/r.git' });
      expect(error.problems).toEqual([expect.stringMatching(/^DEVCONTAINER_SSH_KNOWN_HOSTS is not set, but DEVCONTAINER_REPOSITORY is an ssh URL: .*\[git\.example\.com\]:2222.*never trusts a key on first use.*`ssh-keyscan -p 2222 git\.example\.com`.*ssh_known_hosts/)]);
    }
    // `agent` never clones; a laptop `run` without Coder uses the user's ssh; GIT_SSH_COMMAND is the operator's own choice.
    expect(() => loadConfig('agent', { ...base, DEVCONTAINER_REPOSITORY: 'git@github.com:o/r.git' })).not.toThrow();
    expect(() => loadConfig('run', { DEVCONTAINER_REPOSITORY: 'git@github.com:o/r.git' })).not.toThrow();
    expect(() => loadConfig('up', { ...base, DEVCONTAINER_REPOSITORY: 'git@github.com:o/r.git', GIT_SSH_COMMAND: 'ssh -F /etc/my-ssh' })).not.toThrow();
    expect(() => loadConfig('up', base)).not.toThrow();
  });

  it('issue 11.5: DEVCONTAINER_SSH_KNOWN_HOSTS is read as given and checked against the repository host', () => {
    const lines = `# from ssh-keyscan\n[git.example.com]:2222 ${HOST_KEY}\ngithub.com ${HOST_KEY}\n`;
    const ok = loadConfig('up', { ...base, DEVCONTAINER_REPOSITORY: 'ssh://git@git.example.com:2222/o/r.git', DEVCONTAINER_SSH_KNOWN_HOSTS: lines });
    expect(ok.sshKnownHosts).toBe(lines.trim());
    const other = problemsOf('up', { ...base, DEVCONTAINER_REPOSITORY: 'git@gitlab.com:o/r.git', DEVCONTAINER_SSH_KNOWN_HOSTS: lines });
    expect(other.problems).toEqual([expect.stringMatching(/^DEVCONTAINER_SSH_KNOWN_HOSTS has no line for gitlab\.com, the host of DEVCONTAINER_REPOSITORY.*`ssh-keyscan gitlab\.com`/)]);
    const broken = problemsOf('up', { ...base, DEVCONTAINER_SSH_KNOWN_HOSTS: `github.com ${HOST_KEY.slice(0, 40)}\ngithub.com` });
    expect(broken.problems).toEqual([expect.stringMatching(/^DEVCONTAINER_SSH_KNOWN_HOSTS is not a known_hosts text: line 1 has a ssh-ed25519 key .*; line 2 is not "host key-type base64-key"/)]);
    expect(problemsOf('up', { ...base, DEVCONTAINER_SSH_KNOWN_HOSTS: '# nothing' }).problems).toEqual([expect.stringMatching(/has no key lines/)]);
  });

  it('fails when the repository URL carries a password, without printing it', () => {
    const error = problemsOf('up', { ...base, DEVCONTAINER_REPOSITORY: 'https://user:hunter2@github.com/o/r.git' });
    expect(error.problems).toEqual(['DEVCONTAINER_REPOSITORY contains a password: remove it from the URL and pass the token in GH_TOKEN instead.']);
    expect(error.message).not.toContain('hunter2');
  });

  it('reports every problem in one message', () => {
    const env: NodeJS.ProcessEnv = {
      CODER_AGENT_TOKEN: AGENT_TOKEN,
      CODER_AGENT_URL: 'nope',
      GH_TOKEN: `${GH} x`,
      DEVCONTAINER_BRANCH: '-bad',
      DEVCONTAINER_REBUILD: 'sometimes',
      DOCKER_HOST: 'docker.sock',
      DEVCONTAINER_DOCKER_WAIT_SECONDS: 'soon',
    };
    const error = problemsOf('agent', env);
    const names = ['CODER_AGENT_URL', 'CODER_INIT_SCRIPT', 'DEVCONTAINER_REPOSITORY', 'DEVCONTAINER_BRANCH', 'DEVCONTAINER_REBUILD', 'GH_TOKEN', 'DOCKER_HOST', 'DEVCONTAINER_DOCKER_WAIT_SECONDS'];
    expect(error.problems).toHaveLength(names.length);
    for (const name of names) expect(error.message).toContain(`  - ${name} `);
    expect(error.message).toMatch(/^Invalid configuration \(8 problems\):\n/);
    for (const secret of [AGENT_TOKEN, GH]) expect(error.message).not.toContain(secret);
  });
});
