import { chown, lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { restoreOwnership } from '../../../builder/git/ownership.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { checkout } from '../../../builder/steps/checkout.js';
import { appFixture, chownTree, ownedBy, useCheckoutHarness } from './checkout-harness.js';

const harness = useCheckoutHarness();
// Changing owners needs root; CI runs as root, so there the tests never skip.
const asRoot = process.getuid?.() === 0 || process.env.CI === 'true';
const USER = 1000;
const OTHER = 2000;

/** A checkout handed to USER, plus files a root process and another user made in it (as in a dev container). */
async function handedOver(branch = 'main') {
  const h = harness();
  const fixture = await appFixture(h, { branch });
  // Ignored, so a switch still counts the tree as clean.
  await fixture.repo.commit('main', { '.gitignore': 'node_modules/\n*.local\n' });
  await fixture.repo.commit('feature', { '.gitignore': 'node_modules/\n*.local\n' });
  await checkout(fixture.ctx);
  await chownTree(fixture.folder, USER, USER);
  await mkdir(path.join(fixture.folder, 'node_modules/pkg'), { recursive: true });
  await writeFile(path.join(fixture.folder, 'node_modules/pkg/index.js'), 'root made me\n');
  await writeFile(path.join(fixture.folder, 'theirs.local'), 'another user made me\n');
  await chown(path.join(fixture.folder, 'theirs.local'), OTHER, OTHER);
  return { h, ...fixture };
}

describe.runIf(asRoot)('issue 10.9: the per-start ownership scan is bounded in time and narrow', { timeout: 240_000 }, () => {
  it('issue 10.9: a restart where git writes nothing changes no owner', async () => {
    const { folder, ctx } = await handedOver();
    expect(await checkout(ctx)).toMatchObject({ action: 'reused' });
    expect(await ownedBy(folder, 0)).toEqual(['node_modules', 'node_modules/pkg', 'node_modules/pkg/index.js']);
    expect((await lstat(path.join(folder, 'theirs.local'))).uid).toBe(OTHER);
  });

  it('issue 10.9: a restart that only reads (git status) leaves the index its owner\'s', async () => {
    const { folder, ctx } = await handedOver();
    await writeFile(path.join(folder, 'README.md'), 'edited\n');
    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'kept-dirty' });
    expect(await ownedBy(path.join(folder, '.git'), 0)).toEqual([]);
  });

  it('issue 10.9: after a switch only .git and the paths git changed go back to the owner', async () => {
    const { folder, ctx } = await handedOver();
    expect(await checkout({ ...ctx, branch: 'feature' })).toMatchObject({ action: 'switched', branch: 'feature' });
    expect(await ownedBy(path.join(folder, '.git'), 0)).toEqual([]);
    expect((await lstat(path.join(folder, 'feature.txt'))).uid).toBe(USER);
    // Not written by git this start: its owner stays, however many such files there are.
    expect(await ownedBy(folder, 0)).toEqual(['node_modules', 'node_modules/pkg', 'node_modules/pkg/index.js']);
    expect((await lstat(path.join(folder, 'theirs.local'))).uid).toBe(OTHER);
  });

  it('issue 10.9: new folders git creates for a switched branch go back to the owner too', async () => {
    const h = harness();
    const { repo, folder, ctx } = await appFixture(h, { branch: 'main' });
    await repo.commit('deep', { 'a/b/c.txt': 'deep\n' });
    await checkout(ctx);
    await chownTree(folder, USER, USER);
    expect(await checkout({ ...ctx, branch: 'deep' })).toMatchObject({ action: 'switched' });
    expect(await ownedBy(folder, 0)).toEqual([]);
  });

  it('issue 10.9: the walk stops at its time budget and says so', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ownership-'));
    try {
      await mkdir(path.join(dir, '.git/objects'), { recursive: true });
      for (let i = 0; i < 200; i += 1) await writeFile(path.join(dir, '.git/objects', `o${i}`), '');
      await chown(dir, USER, USER);
      const sink = new MemorySink();
      const changed = await restoreOwnership(dir, new Logger(sink), { paths: [path.join(dir, '.git')], timeBudgetMs: 0 });
      expect(changed).toBeLessThan(202);
      expect(sink.lines.find((l) => l.level === 'warn')?.text).toMatch(/^Stopped giving files written by git back to the checkout's owner \(1000:1000\) after 0 ms; .* run `sudo chown -R "\$\(id -u\):\$\(id -g\)" \.git` in the checkout\.$/);
      // With time enough, everything the builder's user owns goes back.
      await restoreOwnership(dir, new Logger(new MemorySink()), { paths: [path.join(dir, '.git')] });
      expect(await ownedBy(dir, 0)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('issue 10.9: files of another non-root user keep their owner', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ownership-'));
    try {
      await mkdir(path.join(dir, '.git'));
      await writeFile(path.join(dir, '.git/mine'), '');
      await writeFile(path.join(dir, '.git/theirs'), '');
      await chown(path.join(dir, '.git/theirs'), OTHER, OTHER);
      await chown(dir, USER, USER);
      expect(await restoreOwnership(dir, new Logger(new MemorySink()), { paths: [path.join(dir, '.git')] })).toBe(2);
      expect((await lstat(path.join(dir, '.git/theirs'))).uid).toBe(OTHER);
      expect((await lstat(path.join(dir, '.git/mine'))).uid).toBe(USER);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
