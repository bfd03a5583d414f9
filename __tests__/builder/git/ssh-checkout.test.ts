import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckoutError } from '../../../builder/errors.js';
import { SSH_DIR_PREFIX } from '../../../builder/git/ssh-key.js';
import { checkout } from '../../../builder/steps/checkout.js';
import { generateGitSshKey, startFakeCoder, type FakeCoder, type GitSshKeyPair } from '../../support/fake-coder.js';
import { everywhereASecretCouldLeak, useCheckoutHarness, userGit } from './checkout-harness.js';
import { PASS_ENV } from '../../../builder/process.js';

// What git hands to ssh is checked here with a transport stand-in on PATH:
// git runs `$GIT_SSH_COMMAND [-p port] host "git-upload-pack '<path>'"`
// (git's connect.c, OpenSSH variant) and talks to the command's stdio. The
// stand-in records its argv and the key file it was given (mode, directory,
// content), refuses any key but the Coder one as sshd does with only that
// public key in authorized_keys, then runs the remote command locally, as
// sshd runs it in the user's shell. Real ssh against a real sshd is __tests__/e2e/pod-ssh.test.ts.

const harness = useCheckoutHarness();
let bin: string;
let key: GitSshKeyPair;
let coder: FakeCoder;
let savedPath: string | undefined;
const HOST = 'git.example.test:2222';

beforeAll(async () => {
  key = await generateGitSshKey();
  coder = await startFakeCoder({ gitSshKey: key });
  bin = await mkdtemp(path.join(tmpdir(), 'fake-ssh-'));
  await writeFile(path.join(bin, 'ssh'), [
    '#!/bin/sh',
    'printf "%s\\n" "$*" >> "$SSH_ARGV_LOG"',
    'key=""; prev=""',
    'for a in "$@"; do [ "$prev" = "-i" ] && key="$a"; prev="$a"; done',
    'if [ -n "$key" ]; then stat -c "%a %n" "$key" "$(dirname "$key")" >> "$SSH_ARGV_LOG"; fi',
    // As sshd with the Coder public key in authorized_keys: any other key (or none) is refused.
    'if [ -z "$key" ] || ! cmp -s "$key" "$SSH_EXPECTED_KEY"; then echo "git@git.example.test: Permission denied (publickey)." >&2; exit 255; fi',
    'echo "key-matches" >> "$SSH_ARGV_LOG"',
    'for last in "$@"; do :; done',
    'exec sh -c "$last"',
    '',
  ].join('\n'));
  await chmod(path.join(bin, 'ssh'), 0o755);
  savedPath = process.env.PATH;
});
afterAll(async () => {
  await coder.close();
  await rm(bin, { recursive: true, force: true });
});

async function sshFixture() {
  const h = harness();
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  h.onCleanup(() => { process.env.PATH = savedPath; });
  const sshLog = path.join(h.workspaces, '..', 'ssh-argv.log');
  const expectedKey = path.join(h.workspaces, '..', 'expected-key');
  await writeFile(sshLog, '');
  await writeFile(expectedKey, key.privateKey);
  process.env.SSH_ARGV_LOG = sshLog;
  process.env.SSH_EXPECTED_KEY = expectedKey;
  process.env[PASS_ENV] = 'GIT_ARGV_LOG,SSH_ARGV_LOG,SSH_EXPECTED_KEY'; // children see only an allow-listed environment
  h.onCleanup(() => { delete process.env.SSH_ARGV_LOG; delete process.env.SSH_EXPECTED_KEY; delete process.env[PASS_ENV]; });
  const name = `ssh-${Math.random().toString(36).slice(2, 8)}`;
  const repo = await h.server.createRepo(name, { files: { 'README.md': '# over ssh\n' } });
  await repo.commit('feature', { 'feature.txt': 'f\n' });
  const folder = path.join(h.workspaces, name);
  const ctx = {
    log: h.log, repository: `ssh://git@${HOST}${repo.bareDir}`, folder, timeoutMs: 60_000, retryDelaysMs: [], sshKeyRetryDelaysMs: [],
    ssh: { agentUrl: coder.url, agentToken: coder.token, knownHosts: `[git.example.test]:2222 ${key.publicKey.trim()}` },
  };
  return { h, repo, folder, ctx, sshLog };
}

const leftovers = async () => (await readdir('/dev/shm')).filter((n) => n.startsWith(SSH_DIR_PREFIX));

describe('issue 11.5: ssh repository URLs clone with the Coder git SSH key', () => {
  it('clones with the key from a private tmpfs file, removed when the step ends, and the key is nowhere else', async () => {
    const { h, folder, ctx, sshLog } = await sshFixture();
    const result = await checkout(ctx);
    expect(result.action).toBe('cloned');
    expect(await readFile(path.join(folder, 'README.md'), 'utf8')).toBe('# over ssh\n');
    const ssh = await readFile(sshLog, 'utf8');
    expect(ssh).toMatch(/-o BatchMode=yes -i \/dev\/shm\/devcontainer-builder-ssh-\S+\/id -o IdentitiesOnly=yes -o UserKnownHostsFile=\S+ -o GlobalKnownHostsFile=\/dev\/null -o StrictHostKeyChecking=yes -o SendEnv=GIT_PROTOCOL -p 2222 git@git\.example\.test/);
    expect(ssh).toMatch(/^600 \/dev\/shm\/devcontainer-builder-ssh-\S+\/id$/m);
    expect(ssh).toMatch(/^700 \/dev\/shm\/devcontainer-builder-ssh-\S+$/m);
    expect(ssh).toContain('key-matches');
    expect(await leftovers()).toEqual([]);
    expect(coder.requests.filter((r) => r.path === '/api/v2/workspaceagents/me/gitsshkey').at(-1)?.status).toBe(200);
    const everywhere = `${await everywhereASecretCouldLeak(h)}\n${ssh}`;
    for (const line of key.privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(everywhere).not.toContain(line);
    expect(everywhere).not.toContain(coder.token);
    expect(h.sink.texts.join('\n')).toMatch(/Using your Coder git SSH key \(SHA256:/);
  });

  it('removes the key when the clone fails too', async () => {
    const { ctx } = await sshFixture();
    const error = await checkout({ ...ctx, repository: `ssh://git@${HOST}/nowhere/missing.git` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutError);
    expect(await leftovers()).toEqual([]);
  });

  it('fails a fresh clone with a clear message when Coder has no key, and fetches none for https', async () => {
    const { h, ctx } = await sshFixture();
    const none = await startFakeCoder();
    h.onCleanup(() => none.close());
    const error = await checkout({ ...ctx, ssh: { ...ctx.ssh, agentUrl: none.url, agentToken: none.token } }).then(() => new Error("expected a failure"), (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CheckoutError);
    expect(error.message).toMatch(/^Could not get your Coder git SSH key for git\.example\.test:2222 from Coder \(GET \/api\/v2\/workspaceagents\/me\/gitsshkey answered 500/);
    const before = coder.requests.length;
    const repo = await h.server.createRepo(`https-${Math.random().toString(36).slice(2, 8)}`);
    await checkout({ ...ctx, repository: repo.url, githubToken: h.server.token, folder: path.join(h.workspaces, 'https') });
    expect(coder.requests.length).toBe(before);
  });

  it('an existing checkout still starts when the key cannot be had, and says why', async () => {
    const { h, folder, ctx } = await sshFixture();
    await checkout(ctx);
    const none = await startFakeCoder();
    h.onCleanup(() => none.close());
    const result = await checkout({ ...ctx, branch: 'feature', ssh: { ...ctx.ssh, agentUrl: none.url, agentToken: none.token } });
    expect(result.action).toBe('kept-offline');
    expect(await userGit(folder, 'branch', '--show-current')).toBe('main');
    expect(h.sink.texts.join('\n')).toMatch(/Could not get your Coder git SSH key .* The existing checkout is used/);
  });

  it('without known host keys a workspace clone fails before anything is fetched, naming the variable', async () => {
    const { ctx, sshLog } = await sshFixture();
    const error = await checkout({ ...ctx, ssh: { agentUrl: coder.url, agentToken: coder.token } }).then(() => new Error("expected a failure"), (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CheckoutError);
    expect(error.message).toMatch(/^DEVCONTAINER_SSH_KNOWN_HOSTS is not set.*ssh-keyscan -p 2222 git\.example\.test/);
    expect(await readFile(sshLog, 'utf8')).toBe('');
  });
});
