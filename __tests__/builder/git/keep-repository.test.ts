import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckoutError } from '../../../builder/errors.js';
import { checkout } from '../../../builder/steps/checkout.js';
import { appFixture, useCheckoutHarness, userGit } from './checkout-harness.js';

const harness = useCheckoutHarness();

/** The builder's warnings, one text. */
const warnings = () => harness().sink.lines.filter((l) => l.level === 'warn').map((l) => l.text).join('\n');

describe('issue 10.6: a git repository is never moved aside', { timeout: 240_000 }, () => {
  it('issue 10.6: an unborn branch is kept, not moved', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h);
    await mkdir(folder);
    await userGit(folder, 'init', '-q', '-b', 'start');
    await userGit(folder, 'remote', 'add', 'origin', ctx.repository);
    await writeFile(path.join(folder, 'draft.txt'), 'first lines\n');

    expect(await checkout(ctx)).toMatchObject({ action: 'kept-as-is', freshClone: false, branch: 'start', commit: '', keptFiles: [] });
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(await readFile(path.join(folder, 'draft.txt'), 'utf8')).toBe('first lines\n');
    expect(warnings()).toContain(`${folder} is a git repository, but its branch start has no commit yet (a new repository or an orphan branch): using the checkout as it is; the branch parameter is not applied`);
  });

  it('issue 10.6: an orphan branch in the checkout is kept and not switched', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h, { branch: 'main' });
    await checkout(ctx);
    await userGit(folder, 'switch', '-q', '--orphan', 'rewrite');
    await writeFile(path.join(folder, 'new-start.txt'), 'x\n');

    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'kept-as-is', branch: 'rewrite', commit: '' });
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(await userGit(folder, 'symbolic-ref', '--short', 'HEAD')).toBe('rewrite');
    expect(await readFile(path.join(folder, 'new-start.txt'), 'utf8')).toBe('x\n');
  });

  it('issue 10.6: a checkout of another repository is kept, not moved, and names both', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h);
    const other = await h.server.createRepo(`other-${name}`);
    await checkout({ ...ctx, repository: other.url });
    const requests = h.server.requests.length;

    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'kept-as-is', branch: 'main', commit: await other.revParse('main') });
    expect(await userGit(folder, 'config', 'remote.origin.url')).toBe(other.url);
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(h.server.requests.length).toBe(requests); // nothing fetched
    expect(warnings()).toContain(`but origin is ${other.url}, the repository parameter is ${ctx.repository}: using the checkout as it is; the branch parameter is not applied`);
  });

  it.each([
    ['a mirror', (url: string) => url.replace(/^http:\/\/[^/]+\//, 'https://mirror.example.com/')],
    ['an SSH alias', (url: string) => `git@github-work:${new URL(url).pathname.slice(1)}`],
    ['a renamed repository', (url: string) => url.replace(/\.git$/, '-renamed.git')],
  ])('issue 10.6: an origin that is %s of the repository is kept and never switched', async (_what, variant) => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h, { branch: 'main' });
    await checkout(ctx);
    await userGit(folder, 'remote', 'set-url', 'origin', variant(ctx.repository));
    const requests = h.server.requests.length;

    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'kept-as-is', branch: 'main' });
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(h.server.requests.length).toBe(requests);
    expect(warnings()).toContain(`origin is ${variant(ctx.repository)}, the repository parameter is ${ctx.repository}`);
  });

  it('issue 10.6: a folder git cannot read as a repository is kept, and the start goes on', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h);
    await mkdir(folder);
    await writeFile(path.join(folder, '.git'), 'gitdir: /nowhere/that/exists\n');
    await writeFile(path.join(folder, 'work.txt'), 'mine\n');

    expect(await checkout(ctx)).toMatchObject({ action: 'kept-as-is', branch: 'HEAD', commit: '', freshClone: false });
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect((await readdir(folder)).sort()).toEqual(['.git', 'work.txt']);
    expect(warnings()).toMatch(/^Could not inspect .*: git cannot read it as a repository: fatal: not a git repository: \/nowhere\/that\/exists\. It is kept as it is/m);
  });

  it('issue 10.6: a local failure while reusing the checkout keeps it, and the start goes on', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h, { branch: 'main' });
    await checkout(ctx);
    // The branch record cannot be read or written: here a folder stands where the file goes.
    await rm(path.join(folder, '.git/devcontainer-builder.json'));
    await mkdir(path.join(folder, '.git/devcontainer-builder.json'));

    expect(await checkout({ ...ctx, branch: 'main' })).toMatchObject({ action: 'kept-as-is', branch: 'main' });
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(warnings()).toMatch(/^Could not finish reusing .* \(Error: EISDIR: .*\)\. The checkout is kept as it is and the workspace starts with it/m);
  });

  it('issue 10.6: a work tree with a .git file (git worktree) of the repository is reused', async () => {
    const h = harness();
    const { folder, ctx } = await appFixture(h, { branch: 'main' });
    const main = path.join(h.workspaces, 'main-clone');
    await checkout({ ...ctx, folder: main });
    await userGit(main, 'worktree', 'add', '-q', folder, '-b', 'side', 'origin/main'); // main's file contents are already local

    expect(await checkout({ ...ctx, branch: 'side' })).toMatchObject({ action: 'reused', branch: 'side' });
  });
});

describe('issue 10.6: a folder that is no git repository moves into the checkout', { timeout: 240_000 }, () => {
  it('issue 10.6: a non-git folder moves into the new checkout, where git ignores it, and the log names it', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h);
    await mkdir(path.join(folder, 'notes'), { recursive: true });
    await writeFile(path.join(folder, 'notes/precious.txt'), 'do not delete\n');

    const result = await checkout(ctx);
    expect(result).toMatchObject({ action: 'recovered', freshClone: true, branch: 'main' });
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(result.keptFiles).toHaveLength(1);
    const kept = result.keptFiles[0];
    expect(path.dirname(kept)).toBe(folder);
    expect(path.basename(kept)).toMatch(/^\.devcontainer-builder-kept-\d{8}T\d{6}Z$/);
    expect(await readFile(path.join(kept, 'notes/precious.txt'), 'utf8')).toBe('do not delete\n');
    // Git reports nothing new in the checkout.
    expect(await userGit(folder, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(warnings()).toContain(`what it held is now in /workspaces/${name}/${path.basename(kept)} in the dev container`);
    expect(warnings()).toContain(`(unless devcontainer.json mounts the workspace elsewhere; ${kept} in the workspace volume)`);
  });

  it('issue 10.6: a file where the checkout goes moves into the new checkout under its name', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h);
    await writeFile(folder, 'a file, not a folder\n');

    const result = await checkout(ctx);
    expect(result).toMatchObject({ action: 'recovered', branch: 'main' });
    expect(await readFile(path.join(result.keptFiles[0], name), 'utf8')).toBe('a file, not a folder\n');
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(await userGit(folder, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('issue 10.6: a crash before the clone finished loses nothing: the next start clones and moves the folder in', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h);
    // What a crash after the first move leaves: the folder staged next to the missing checkout, and half a clone.
    const staged = path.join(h.workspaces, `.${name}.kept-20260101T000000Z`);
    await mkdir(staged);
    await writeFile(path.join(staged, 'precious.txt'), 'still here\n');
    await mkdir(path.join(h.workspaces, `.${name}.partial-1700000000000/.git`), { recursive: true });

    const result = await checkout(ctx);
    expect(result).toMatchObject({ action: 'recovered', keptFiles: [path.join(folder, '.devcontainer-builder-kept-20260101T000000Z')] });
    expect(await readFile(path.join(folder, '.devcontainer-builder-kept-20260101T000000Z/precious.txt'), 'utf8')).toBe('still here\n');
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(await userGit(folder, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('issue 10.6: a crash after the clone loses nothing: the next start moves the folder into the checkout', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h);
    await checkout(ctx);
    const staged = path.join(h.workspaces, `.${name}.kept-20260101T000000Z`);
    await mkdir(staged);
    await writeFile(path.join(staged, 'precious.txt'), 'still here\n');

    expect(await checkout(ctx)).toMatchObject({ action: 'reused', keptFiles: [path.join(folder, '.devcontainer-builder-kept-20260101T000000Z')] });
    expect(await readFile(path.join(folder, '.devcontainer-builder-kept-20260101T000000Z/precious.txt'), 'utf8')).toBe('still here\n');
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(await userGit(folder, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('issue 10.6: a failed clone puts the non-git folder back where it was', async () => {
    const h = harness();
    const { name, folder, ctx } = await appFixture(h, { githubToken: 'wrong-token' });
    await mkdir(folder);
    await writeFile(path.join(folder, 'precious.txt'), 'do not delete\n');

    await expect(checkout(ctx)).rejects.toThrow(CheckoutError);
    expect(await readdir(h.workspaces)).toEqual([name]);
    expect(await readFile(path.join(folder, 'precious.txt'), 'utf8')).toBe('do not delete\n');
  });
});
