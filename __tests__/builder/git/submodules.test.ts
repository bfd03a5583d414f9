import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseSubmoduleStatus } from '../../../builder/git/submodules.js';
import { checkout } from '../../../builder/steps/checkout.js';
import { appFixture, chownTree, everywhereASecretCouldLeak, ownedBy, useCheckoutHarness, userGit, type CheckoutHarness } from './checkout-harness.js';

const harness = useCheckoutHarness();
const execFileAsync = promisify(execFile);
const USER = 1000;
const asRoot = process.getuid?.() === 0 || process.env.CI === 'true';

/** Fixture git, isolated from the machine's config. */
async function fixtureGit(cwd: string, ...args: string[]): Promise<string> {
  const env = { ...process.env, GIT_ARGV_LOG: '/dev/null', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'F', GIT_AUTHOR_EMAIL: 'f@example.com', GIT_COMMITTER_NAME: 'F', GIT_COMMITTER_EMAIL: 'f@example.com' };
  return (await execFileAsync('git', args, { cwd, env })).stdout.trim();
}

/**
 * The app repository with submodules (path → URL and commit), committed the
 * way `git submodule add` leaves them: a gitlink plus `.gitmodules`, pushed
 * to the bare repository directly (no credentials on the fixture side).
 */
async function addSubmodules(h: CheckoutHarness, bareDir: string, subs: Record<string, { url: string; commit: string }>): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'super-'));
  h.onCleanup(() => rm(work, { recursive: true, force: true }));
  await fixtureGit(work, 'clone', '--quiet', bareDir, '.');
  let modules = '';
  for (const [sub, { url, commit }] of Object.entries(subs)) {
    modules += `[submodule "${sub}"]\n\tpath = ${sub}\n\turl = ${url}\n`;
    await fixtureGit(work, 'update-index', '--add', '--cacheinfo', `160000,${commit},${sub}`);
  }
  await writeFile(path.join(work, '.gitmodules'), modules);
  await fixtureGit(work, 'add', '.gitmodules');
  await fixtureGit(work, 'commit', '--quiet', '-m', 'submodules');
  await fixtureGit(work, 'push', '--quiet', 'origin', 'HEAD:main');
}

/** An app with one submodule `libs/lib` (a private repository on the same server) that has a nested submodule `vendor/deep`. */
async function withSubmodule() {
  const h = harness();
  const id = Math.random().toString(36).slice(2, 8);
  const deep = await h.server.createRepo(`deep-${id}`, { files: { 'deep.txt': 'deep v1\n' } });
  const lib = await h.server.createRepo(`lib-${id}`, { files: { 'lib.txt': 'lib v1\n' } });
  await addSubmodules(h, lib.bareDir, { 'vendor/deep': { url: deep.url, commit: await deep.revParse('main') } });
  const fixture = await appFixture(h);
  const libV1 = await lib.revParse('main');
  // A relative URL: resolved against the app's own remote, as GitHub projects often do.
  await addSubmodules(h, fixture.repo.bareDir, { 'libs/lib': { url: `../lib-${id}.git`, commit: libV1 } });
  return { h, lib, deep, libV1, ...fixture };
}

describe('issue 14.5: parseSubmoduleStatus', () => {
  it('reads state, commit and path as git submodule status prints them', () => {
    const c = 'a'.repeat(40);
    expect(parseSubmoduleStatus(`-${c} libs/lib\n ${c} vendor/x (v1.0)\n+${c} y z (heads/main)\nU${c} w\n`)).toEqual([
      { state: '-', commit: c, path: 'libs/lib' },
      { state: ' ', commit: c, path: 'vendor/x' },
      { state: '+', commit: c, path: 'y z' },
      { state: 'U', commit: c, path: 'w' },
    ]);
  });
});

describe('issue 14.5: submodules', { timeout: 240_000 }, () => {
  it('a fresh clone clones submodules recursively with the same token, which stays out of argv, logs and every git config', async () => {
    const { h, folder, ctx, lib, deep } = await withSubmodule();
    const result = await checkout(ctx);
    expect(result).toMatchObject({ action: 'cloned', freshClone: true });
    expect(await readFile(path.join(folder, 'libs/lib/lib.txt'), 'utf8')).toBe('lib v1\n');
    expect(await readFile(path.join(folder, 'libs/lib/vendor/deep/deep.txt'), 'utf8')).toBe('deep v1\n');
    // The private submodules were fetched with the token (the server answers 401 without it).
    for (const repo of [lib, deep]) expect(h.server.requests.some((r) => r.path.startsWith(`/${repo.name}.git/`) && r.authorized && r.status === 200)).toBe(true);
    expect(h.sink.texts).toContain('Submodules: cloned libs/lib.');
    const leaks = [await everywhereASecretCouldLeak(h)];
    for (const entry of await readdir(path.join(folder, '.git/modules'), { recursive: true })) {
      if (entry.endsWith('config')) leaks.push(await readFile(path.join(folder, '.git/modules', entry), 'utf8').catch(() => ''));
    }
    expect(leaks.join('\n')).not.toContain(h.server.token);
    // Nothing new in the checkout: git status is clean.
    expect(await userGit(folder, 'status', '--porcelain', '--ignore-submodules=none')).toBe('');
  });

  it('on a restart, never touches a submodule with local changes, untracked files or another commit, and says so', async () => {
    const { h, folder, ctx } = await withSubmodule();
    await checkout(ctx);
    const sub = path.join(folder, 'libs/lib');
    await writeFile(path.join(sub, 'lib.txt'), 'my edit\n');
    await writeFile(path.join(sub, 'notes.txt'), 'untracked\n');
    expect(await checkout(ctx)).toMatchObject({ action: 'reused' });
    expect(await readFile(path.join(sub, 'lib.txt'), 'utf8')).toBe('my edit\n');
    expect(await readFile(path.join(sub, 'notes.txt'), 'utf8')).toBe('untracked\n');

    // Another commit checked out in the submodule (the user's own commit): kept, with a warning naming the command.
    await userGit(sub, 'add', '--all');
    await userGit(sub, 'commit', '--quiet', '-m', 'my work');
    const moved = await userGit(sub, 'rev-parse', 'HEAD');
    h.sink.lines.length = 0;
    expect(await checkout(ctx)).toMatchObject({ action: 'reused' });
    expect(await userGit(sub, 'rev-parse', 'HEAD')).toBe(moved);
    expect(h.sink.texts.find((t) => t.startsWith('Submodule libs/lib is left as it is'))).toMatch(/another commit checked out .*git submodule update -- libs\/lib/);
  });

  it('on a restart, clones a submodule that is missing, and not one whose folder holds files', async () => {
    const { h, folder, ctx } = await withSubmodule();
    await checkout(ctx);
    await userGit(folder, 'submodule', 'deinit', '--quiet', '--force', 'libs/lib');
    expect(await readdir(path.join(folder, 'libs/lib'))).toEqual([]);
    await writeFile(path.join(folder, 'libs/lib/mine.txt'), 'keep me\n');
    h.sink.lines.length = 0;
    await checkout(ctx);
    expect(await readdir(path.join(folder, 'libs/lib'))).toEqual(['mine.txt']);
    expect(h.sink.texts).toContain('Submodule libs/lib is left as it is: it is not initialized but its folder already holds files, which a clone would have to overwrite.');

    await rm(path.join(folder, 'libs/lib/mine.txt'));
    h.sink.lines.length = 0;
    await checkout(ctx);
    expect(await readFile(path.join(folder, 'libs/lib/lib.txt'), 'utf8')).toBe('lib v1\n');
    expect(h.sink.texts).toContain('Submodules: cloned libs/lib.');
  });

  it('a submodule that cannot be cloned is a warning: the workspace starts without it', async () => {
    const h = harness();
    const fixture = await appFixture(h);
    // A password in .gitmodules itself is the repository's; it must not reach the log either.
    const url = `${h.server.baseUrl.replace('://', '://me:hunter2@')}/does-not-exist.git`;
    await addSubmodules(h, fixture.repo.bareDir, { gone: { url, commit: 'b'.repeat(40) } });
    expect(await checkout(fixture.ctx)).toMatchObject({ action: 'cloned' });
    expect(h.sink.texts.find((t) => t.startsWith('Submodule gone could not be cloned'))).toMatch(/the workspace starts without it: .* It is tried again at the next start\.$/);
    expect(h.sink.texts.join('\n')).not.toContain(h.server.token);
    expect(h.sink.texts.join('\n')).not.toContain('hunter2');
  });

  it.runIf(asRoot)('in a checkout the dev container user owns, the new submodule goes to that user and git trusts the submodule folders', async () => {
    const { h, folder, ctx } = await withSubmodule();
    await checkout(ctx);
    await userGit(folder, 'submodule', 'deinit', '--quiet', '--force', 'libs/lib');
    await chownTree(folder, USER, USER);
    await mkdir(path.join(folder, 'libs/lib'), { recursive: true });
    h.sink.lines.length = 0;
    await checkout(ctx);
    expect(await readFile(path.join(folder, 'libs/lib/lib.txt'), 'utf8')).toBe('lib v1\n');
    expect(h.sink.texts.filter((t) => /dubious ownership|left as it is/.test(t))).toEqual([]);
    expect(await ownedBy(folder, 0)).toEqual([]);
    // The next start looks into the user's submodules (and their nested ones) without a complaint and writes nothing.
    h.sink.lines.length = 0;
    await checkout(ctx);
    expect(h.sink.texts.filter((t) => /dubious ownership|left as it is|could not be cloned|Submodules: cloned/.test(t))).toEqual([]);
    expect(await ownedBy(folder, 0)).toEqual([]);
  });
});
