// Issue 15.3: a prebuilt workspace has no owner, so no GitHub token; the
// template's read-only clone credential (a basic-auth Secret mounted as
// files) clones a private repository then, and only then. Against the real
// `git http-backend` behind Basic auth (__tests__/support/git-server.ts).
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../builder/config.js';
import { CheckoutError, ConfigError } from '../../../builder/errors.js';
import { checkout } from '../../../builder/steps/checkout.js';
import { everywhereASecretCouldLeak, useCheckoutHarness } from './checkout-harness.js';

const harness = useCheckoutHarness();

/** The Secret's files as the kubelet lays them out: one file per key ("Using Secrets as files from a Pod"). */
async function secretDir(keys: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'clone-credential-'));
  for (const [key, value] of Object.entries(keys)) await writeFile(path.join(dir, key), value, { mode: 0o400 });
  return dir;
}

/** The server is shared by the file's tests: only this repository's requests. */
const requestsOf = (h: ReturnType<typeof harness>, name: string) => h.server.requests.filter((r) => r.path.includes(`/${name}`));

async function privateRepo() {
  const h = harness();
  const name = `private-${Math.random().toString(36).slice(2, 8)}`;
  const repo = await h.server.createRepo(name, { files: { 'README.md': '# private\n' } });
  return { h, repo, folder: path.join(h.workspaces, name) };
}

describe('checkout with the clone credential', { timeout: 120_000 }, () => {
  it('clones a private repository without GH_TOKEN, with the credential only through the environment', async () => {
    const { h, repo, folder } = await privateRepo();
    const cloneCredentialDir = await secretDir({ username: 'prebuild-reader', password: `${h.server.token}\n` });
    const result = await checkout({ log: h.log, repository: repo.url, folder, cloneCredentialDir, timeoutMs: 60_000 });
    expect(result).toMatchObject({ action: 'cloned', commit: await repo.revParse('main') });
    const used = requestsOf(h, repo.name).filter((r) => r.authorized);
    expect(used.length).toBeGreaterThan(0);
    expect(new Set(used.map((r) => r.username))).toEqual(new Set(['prebuild-reader']));
    expect(h.sink.texts).toContain("GH_TOKEN is empty (a prebuilt workspace has no owner yet): using the template's read-only clone credential.");
    // Not in argv, the log, .git/config or HOME.
    const everything = await everywhereASecretCouldLeak(h);
    expect(everything).toContain('clone --filter=blob:none');
    expect(everything).not.toContain(h.server.token);
    expect(await readFile(path.join(folder, '.git', 'config'), 'utf8')).not.toContain(h.server.token);
  });

  it('sends x-access-token when the Secret has no username', async () => {
    const { h, repo, folder } = await privateRepo();
    const cloneCredentialDir = await secretDir({ password: h.server.token });
    await checkout({ log: h.log, repository: repo.url, folder, cloneCredentialDir, timeoutMs: 60_000 });
    expect(new Set(requestsOf(h, repo.name).filter((r) => r.authorized).map((r) => r.username))).toEqual(new Set(['x-access-token']));
  });

  it('prefers GH_TOKEN: the credential is not even read when a token is set', async () => {
    const { h, repo, folder } = await privateRepo();
    const cloneCredentialDir = await secretDir({ username: 'prebuild-reader', password: 'not-the-token' });
    await checkout({ log: h.log, repository: repo.url, folder, githubToken: h.server.token, cloneCredentialDir, timeoutMs: 60_000 });
    expect(new Set(requestsOf(h, repo.name).filter((r) => r.authorized).map((r) => r.username))).toEqual(new Set(['x-access-token']));
    expect(requestsOf(h, repo.name).some((r) => r.username === 'prebuild-reader')).toBe(false);
    expect(h.sink.texts.some((t) => t.includes('clone credential'))).toBe(false);
  });

  it('fails with the remote\'s refusal when the credential is wrong, without the value in the message', async () => {
    const { h, repo, folder } = await privateRepo();
    const cloneCredentialDir = await secretDir({ password: 'wrong-read-only-token' });
    const error = await checkout({ log: h.log, repository: repo.url, folder, cloneCredentialDir, timeoutMs: 60_000, retryDelaysMs: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutError);
    expect((error as Error).message).toMatch(/rejected the template's clone credential \(Secret clone_credential_secret, used because GH_TOKEN is empty\)/);
    expect(String((error as Error).message)).not.toContain('wrong-read-only-token');
    expect(requestsOf(h, repo.name).some((r) => !r.authorized && r.username === 'x-access-token')).toBe(true);
  });

  it('names the problem and the fix when the Secret has no password', async () => {
    const { h, repo, folder } = await privateRepo();
    const cloneCredentialDir = await secretDir({ username: 'prebuild-reader' });
    const error = await checkout({ log: h.log, repository: repo.url, folder, cloneCredentialDir, timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutError);
    expect((error as Error).message).toMatch(/has no "password" key .*kubernetes\.io\/basic-auth Secret: kubectl create secret generic/);
    expect(requestsOf(h, repo.name)).toEqual([]);
  });

  it('without GH_TOKEN and without a credential, a private repository still fails as before', async () => {
    const { h, repo, folder } = await privateRepo();
    const error = await checkout({ log: h.log, repository: repo.url, folder, timeoutMs: 60_000, retryDelaysMs: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutError);
    expect((error as Error).message).toMatch(/requires authentication but no GitHub token \(GH_TOKEN\)/);
  });
});

describe('DEVCONTAINER_CLONE_CREDENTIAL_DIR', () => {
  const base = { DEVCONTAINER_REPOSITORY: 'https://github.com/o/r.git', DEVCONTAINER_WORKSPACES_ROOT: '/workspaces' };
  it('is read as an absolute path; an empty GH_TOKEN counts as none', () => {
    const config = loadConfig('run', { ...base, GH_TOKEN: '', DEVCONTAINER_CLONE_CREDENTIAL_DIR: '/var/run/devcontainer-builder/clone-credential' });
    expect(config.cloneCredentialDir).toBe('/var/run/devcontainer-builder/clone-credential');
    expect(config.githubToken).toBeUndefined();
  });
  it('rejects a relative path', async () => {
    await mkdir(path.join(tmpdir(), 'unused'), { recursive: true });
    expect(() => loadConfig('run', { ...base, DEVCONTAINER_CLONE_CREDENTIAL_DIR: 'creds' })).toThrow(ConfigError);
  });
});
