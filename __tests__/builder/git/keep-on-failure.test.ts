import { createServer } from 'node:net';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkout } from '../../../builder/steps/checkout.js';
import { appFixture, everywhereASecretCouldLeak, useCheckoutHarness, userGit } from './checkout-harness.js';

const harness = useCheckoutHarness();

const warnings = () => harness().sink.lines.filter((l) => l.level === 'warn').map((l) => l.text);

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('issue 10.7: a branch switch never overwrites ignored or untracked files', { timeout: 240_000 }, () => {
  it('issue 10.7: an ignored file that the target branch tracks keeps the old branch', async () => {
    const h = harness();
    const { repo, folder, ctx } = await appFixture(h, { branch: 'main' });
    await repo.commit('main', { '.gitignore': 'local.env\n' });
    // The target branch stops ignoring the file and tracks its own version of it.
    await repo.commit('tracks-env', { '.gitignore': '', 'local.env': 'from the branch\n' });
    await checkout(ctx);
    await writeFile(path.join(folder, 'local.env'), 'my secrets\n');
    expect(await userGit(folder, 'status', '--porcelain')).toBe(''); // ignored: the tree looks clean

    expect(await checkout({ ...ctx, branch: 'tracks-env' })).toMatchObject({ action: 'kept-dirty', branch: 'main' });
    expect(await readFile(path.join(folder, 'local.env'), 'utf8')).toBe('my secrets\n');
    expect(warnings().join('\n')).toContain('The branch parameter is now tracks-env, but switching would overwrite a file that tracks-env tracks');
    expect(warnings().join('\n')).toContain('(local.env). Keeping main so nothing is lost; move that file away and restart the workspace');

    // Once the file is out of the way, the next start switches.
    await rename(path.join(folder, 'local.env'), path.join(h.workspaces, 'local.env.saved'));
    expect(await checkout({ ...ctx, branch: 'tracks-env' })).toMatchObject({ action: 'switched', branch: 'tracks-env' });
    expect(await userGit(folder, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});

describe('issue 10.8: a checkout failure does not block an existing workspace', { timeout: 240_000 }, () => {
  it('issue 10.8: a missing branch keeps the existing checkout, warns and starts', async () => {
    const h = harness();
    const { folder, ctx } = await appFixture(h, { branch: 'main' });
    const first = await checkout(ctx);

    expect(await checkout({ ...ctx, branch: 'gone' })).toMatchObject({ action: 'kept-offline', branch: 'main', commit: first.commit, freshClone: false });
    expect(await userGit(folder, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(warnings().at(-1)).toMatch(/^Could not fetch branch gone, so .* stays on main as it is and the workspace starts with it\. Branch "gone" does not exist on http:\/\/.*\. Push the branch, or change the branch parameter/);
    expect(warnings().at(-1)).toMatch(/The switch is tried again at the next start\.$/);
  });

  it('issue 10.8: a rejected token keeps the existing checkout and the next good start switches', async () => {
    const h = harness();
    const wrong = 'ghp_expiredTokenValue77';
    const { ctx } = await appFixture(h, { branch: 'main' });
    await checkout(ctx);

    expect(await checkout({ ...ctx, branch: 'feature', githubToken: wrong })).toMatchObject({ action: 'kept-offline', branch: 'main' });
    expect(warnings().at(-1)).toContain('The remote rejected the GitHub token (GH_TOKEN)');
    expect(await everywhereASecretCouldLeak(h)).not.toContain(wrong);
    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'switched', branch: 'feature' });
  });

  it('issue 10.8: an unreachable git host keeps the existing checkout', async () => {
    const h = harness();
    const { folder, ctx } = await appFixture(h, { branch: 'main', timeoutMs: 20_000 });
    await checkout(ctx);
    // Same repository (host and path), but nothing answers on the port.
    await userGit(folder, 'remote', 'set-url', 'origin', ctx.repository.replace(/:\d+\//, `:${await closedPort()}/`));

    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'kept-offline', branch: 'main' });
    expect(warnings().at(-1)).toMatch(/^Could not fetch branch feature, .* Cannot reach the git host of /);
  });

  it('issue 10.8: a failed lookup of the default branch keeps the existing checkout', async () => {
    const h = harness();
    const { ctx } = await appFixture(h, { branch: 'feature' });
    await checkout(ctx);

    expect(await checkout({ ...ctx, branch: undefined, githubToken: 'wrong' })).toMatchObject({ action: 'kept-offline', branch: 'feature' });
    expect(warnings().at(-1)).toMatch(/^Could not look up the default branch of the repository, .* The remote rejected the GitHub token/);
  });
});
