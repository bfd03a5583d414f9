import { chown, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkout, type CheckoutContext } from '../../../builder/steps/checkout.js';
import { everywhereASecretCouldLeak, useCheckoutHarness, userGit } from '../git/checkout-harness.js';

const harness = useCheckoutHarness();

/** A fixture repo `app` (default branch `main`, plus `feature`) and a context to check it out. */
async function setUp(extra: Partial<CheckoutContext> = {}) {
  const h = harness();
  const name = `app-${Math.random().toString(36).slice(2, 8)}`;
  const repo = await h.server.createRepo(name, { files: { 'README.md': '# app\n', 'src/main.txt': 'v1\n' } });
  await repo.commit('feature', { 'feature.txt': 'feature work\n' });
  const folder = path.join(h.workspaces, name);
  const ctx: CheckoutContext = { log: h.log, repository: repo.url, folder, githubToken: h.server.token, timeoutMs: 60_000, ...extra };
  return { h, repo, folder, ctx };
}

describe('checkout: fresh clone', { timeout: 240_000 }, () => {
  it('clones the default branch when none is given, as a partial clone', async () => {
    const h = harness();
    const repo = await h.server.createRepo('trunky', { defaultBranch: 'trunk' });
    const folder = path.join(h.workspaces, 'trunky');
    const result = await checkout({ log: h.log, repository: repo.url, folder, githubToken: h.server.token, timeoutMs: 60_000 });

    expect(result).toMatchObject({ folder, branch: 'trunk', commit: await repo.revParse('trunk'), action: 'cloned', freshClone: true });
    expect(await readFile(path.join(folder, 'README.md'), 'utf8')).toBe('# trunky\n');
    expect(await userGit(folder, 'config', 'remote.origin.partialclonefilter')).toBe('blob:none');
    expect(await userGit(folder, 'config', 'remote.origin.url')).toBe(repo.url);
    // Nothing left next to the checkout but the checkout itself.
    expect(await readdir(h.workspaces)).toEqual(['trunky']);
  });

  it('clones the requested branch', async () => {
    const { repo, folder, ctx } = await setUp({ branch: 'feature' });
    const result = await checkout(ctx);
    expect(result).toMatchObject({ branch: 'feature', commit: await repo.revParse('feature'), action: 'cloned' });
    expect(await readFile(path.join(folder, 'feature.txt'), 'utf8')).toBe('feature work\n');
  });

  it('authenticates with the token only through the environment', async () => {
    const { h, ctx } = await setUp();
    await checkout(ctx);
    const used = h.server.requests.filter((r) => r.authorized);
    expect(used.length).toBeGreaterThan(0);
    expect(new Set(used.map((r) => r.username))).toEqual(new Set(['x-access-token']));
    const everything = await everywhereASecretCouldLeak(h);
    expect(everything).toContain('clone --filter=blob:none'); // the argv log really recorded the clone
    expect(everything).not.toContain(h.server.token);
    // The global `store` helper in HOME was switched off: no credential file was written.
    expect(await readdir(h.home)).toEqual(['.gitconfig']);
  });

  it('runs no hooks of the repository', async () => {
    const { h, folder, ctx } = await setUp({ branch: 'main' });
    await checkout(ctx);
    const marker = path.join(h.workspaces, 'hook-ran');
    await writeFile(path.join(folder, '.git/hooks/post-checkout'), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    await checkout({ ...ctx, branch: 'feature' });
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
  });
});

describe('checkout: restart', { timeout: 240_000 }, () => {
  it('reuses the checkout and keeps uncommitted and untracked work, even when the remote moved on', async () => {
    const { repo, folder, ctx } = await setUp({ branch: 'main' });
    const first = await checkout(ctx);
    await writeFile(path.join(folder, 'src/main.txt'), 'my uncommitted edit\n');
    await writeFile(path.join(folder, 'scratch.txt'), 'untracked\n');
    await repo.commit('main', { 'src/main.txt': 'upstream v2\n' });

    const second = await checkout(ctx);
    expect(second).toMatchObject({ action: 'reused', freshClone: false, branch: 'main', commit: first.commit });
    expect(await readFile(path.join(folder, 'src/main.txt'), 'utf8')).toBe('my uncommitted edit\n');
    expect(await readFile(path.join(folder, 'scratch.txt'), 'utf8')).toBe('untracked\n');
  });

  it('switches to a changed branch parameter when the tree is clean', async () => {
    const { repo, folder, ctx } = await setUp();
    await checkout(ctx);
    const newer = await repo.commit('feature', { 'feature.txt': 'feature v2\n' });
    const result = await checkout({ ...ctx, branch: 'feature' });
    expect(result).toMatchObject({ action: 'switched', branch: 'feature', commit: newer, freshClone: false });
    expect(await readFile(path.join(folder, 'feature.txt'), 'utf8')).toBe('feature v2\n');
  });

  it('switches to a branch created on the remote after the clone', async () => {
    const { repo, ctx } = await setUp({ branch: 'main' });
    await checkout(ctx);
    const late = await repo.commit('late', { 'late.txt': 'x\n' });
    expect(await checkout({ ...ctx, branch: 'late' })).toMatchObject({ action: 'switched', branch: 'late', commit: late });
  });

  it('keeps a dirty tree on its branch with a warning, and switches on the first clean restart', async () => {
    const { h, folder, ctx } = await setUp({ branch: 'main' });
    await checkout(ctx);
    await writeFile(path.join(folder, 'src/main.txt'), 'work in progress\n');

    const kept = await checkout({ ...ctx, branch: 'feature' });
    expect(kept).toMatchObject({ action: 'kept-dirty', branch: 'main' });
    expect(await readFile(path.join(folder, 'src/main.txt'), 'utf8')).toBe('work in progress\n');
    const warning = h.sink.lines.find((l) => l.level === 'warn');
    expect(warning?.text).toMatch(/^The branch parameter is now feature, but .* has 1 uncommitted or untracked change on main\. Keeping main so nothing is lost;/);

    await userGit(folder, 'commit', '-q', '-am', 'save my work');
    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'switched', branch: 'feature' });
  });

  it('treats untracked files as changes that block a switch', async () => {
    const { folder, ctx } = await setUp({ branch: 'main' });
    await checkout(ctx);
    await writeFile(path.join(folder, 'notes.txt'), 'mine\n');
    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'kept-dirty', branch: 'main' });
    expect(await readFile(path.join(folder, 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  it('leaves a branch the user checked out alone while the parameter stays the same', async () => {
    const { folder, ctx } = await setUp({ branch: 'main' });
    await checkout(ctx);
    await userGit(folder, 'switch', '-q', '-c', 'my-topic');
    expect(await checkout(ctx)).toMatchObject({ action: 'reused', branch: 'my-topic' });
  });

  it('moves back to the default branch when the parameter is cleared', async () => {
    const { ctx } = await setUp({ branch: 'feature' });
    await checkout(ctx);
    expect(await checkout({ ...ctx, branch: undefined })).toMatchObject({ action: 'switched', branch: 'main' });
  });

  it.runIf(process.getuid?.() === 0 || process.env.CI === 'true')('reuses a checkout owned by another user (safe.directory)', async () => {
    const { folder, ctx } = await setUp({ branch: 'main' });
    await checkout(ctx);
    await chownTree(folder, 1000, 1000);
    await expect(userGit(folder, 'status')).rejects.toThrow(/dubious ownership/);
    expect(await checkout(ctx)).toMatchObject({ action: 'reused', branch: 'main' });
    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'switched', branch: 'feature' });
    // Nothing git wrote as root (new files, fetched objects, the index) stays root's: the user can keep working.
    const rootOwned = [];
    for (const entry of await readdir(folder, { recursive: true })) if ((await lstat(path.join(folder, entry))).uid === 0) rootOwned.push(entry);
    expect(rootOwned).toEqual([]);
    expect((await lstat(path.join(folder, 'feature.txt'))).uid).toBe(1000);
  });

  it.runIf(process.getuid?.() === 0 || process.env.CI === 'true')('reuses a checkout owned by another user reached through a symbolic link', async () => {
    const { h, folder, ctx } = await setUp({ branch: 'main' });
    const link = path.join(path.dirname(h.workspaces), 'linked-workspaces');
    await symlink(h.workspaces, link);
    const linkedFolder = path.join(link, path.basename(folder));
    await checkout({ ...ctx, folder: linkedFolder });
    await chownTree(folder, 1000, 1000);
    expect(await checkout({ ...ctx, folder: linkedFolder })).toMatchObject({ action: 'reused', branch: 'main' });
    expect(await readdir(h.workspaces)).toEqual([path.basename(folder)]);
  });
});

describe('checkout: recovery', { timeout: 240_000 }, () => {
  it('removes an unfinished clone left by a crash and clones again', async () => {
    const { h, folder, ctx } = await setUp();
    const leftover = path.join(h.workspaces, `.${path.basename(folder)}.partial-1700000000000`);
    await mkdir(path.join(leftover, '.git'), { recursive: true });
    await writeFile(path.join(leftover, '.git/HEAD'), 'ref: refs/heads/main\n');

    expect(await checkout(ctx)).toMatchObject({ action: 'recovered', freshClone: true, branch: 'main' });
    expect(await readdir(h.workspaces)).toEqual([path.basename(folder)]);
  });

  // Folders that are not a checkout of the repository: __tests__/builder/git/keep-repository.test.ts (issue 10.6).

  it('recognizes the checkout when the user changed its remote to another URL form', async () => {
    const { folder, ctx } = await setUp();
    await checkout(ctx);
    const sshForm = ctx.repository.replace(/^http:\/\/([^/]+)\//, 'git@$1:').replace(/:\d+:/, ':');
    await userGit(folder, 'remote', 'set-url', 'origin', sshForm);
    expect(await checkout(ctx)).toMatchObject({ action: 'reused' });
  });
});

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { recursive: true })) await chown(path.join(dir, entry), uid, gid);
}
