import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { fixOwnership, ownershipScript } from '../../../builder/steps/ownership.js';
import { World } from '../commands/harness.js';

describe('fixOwnership with a fake docker', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('runs the ownership script as root inside the container, and skips root', async () => {
    world = new World();
    const log = new Logger(new MemorySink());
    expect(await fixOwnership({ log, containerId: 'c1', remoteUser: 'root', folder: '/workspaces/x' })).toEqual({ changed: false });
    expect(await fixOwnership({ log, containerId: 'c1', remoteUser: 'node', folder: '/workspaces/x' })).toEqual({ changed: true });
    expect(await fixOwnership({ log, containerId: 'c1', remoteUser: '1000:1000', folder: '/workspaces/x' })).toEqual({ changed: true });
    expect(world.recordedCalls().map((c) => c.args)).toEqual([
      ['exec', '-u', 'root', 'c1', 'sh', '-c', ownershipScript(), 'sh', '/workspaces/x', 'node:'],
      ['exec', '-u', 'root', 'c1', 'sh', '-c', ownershipScript(), 'sh', '/workspaces/x', '1000:1000'],
    ]);
  });

  it('warns, and lets the workspace start, when the files cannot be given away', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['exec'], stderr: 'chown: invalid user: ‘ghost:’', exit: 1 }]);
    const sink = new MemorySink();
    expect(await fixOwnership({ log: new Logger(sink), containerId: 'c1', remoteUser: 'ghost', folder: '/w' })).toEqual({ changed: false });
    expect(sink.lines.some((l) => l.level === 'warn' && l.text.startsWith('Could not give /w to ghost'))).toBe(true);
    expect(sink.texts).toContain('  | chown: invalid user: ‘ghost:’');
  });
});

// Needs root, as the script has in the container (chown to another user).
describe.runIf(process.getuid?.() === 0 || process.env.CI === 'true')('the in-container ownership script (real sh, as root)', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('issue 10.9: gives only root-owned files to the user; other users keep theirs; links are not followed', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ownership-'));
    const checkout = path.join(dir, 'checkout');
    const outside = path.join(dir, 'outside');
    mkdirSync(path.join(checkout, '.git'), { recursive: true });
    mkdirSync(path.join(checkout, 'data', 'pg'), { recursive: true });
    writeFileSync(path.join(checkout, 'README.md'), 'x');
    writeFileSync(path.join(checkout, '.git', 'HEAD'), 'ref');
    writeFileSync(path.join(checkout, 'data', 'pg', 'PG_VERSION'), '16');
    writeFileSync(outside, 'not in the checkout');
    symlinkSync(outside, path.join(checkout, 'link'));
    // A database folder written by the service's own user (uid 999).
    chownSync(path.join(checkout, 'data', 'pg'), 999, 999);
    chownSync(path.join(checkout, 'data', 'pg', 'PG_VERSION'), 999, 999);
    const ran = spawnSync('sh', ['-c', ownershipScript(), 'sh', checkout, '1000:1000'], { encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    const owner = (p: string) => statSync(path.join(checkout, p)).uid;
    expect([owner('.'), owner('README.md'), owner('.git'), owner('.git/HEAD'), owner('data')]).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect([owner('data/pg'), owner('data/pg/PG_VERSION')]).toEqual([999, 999]);
    expect(statSync(outside).uid).toBe(0);
  });
});
