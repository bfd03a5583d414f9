// The debootstrap mirror comes from the machine's apt sources, never from
// the repository: deb822 stanzas first, one-line lists second.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aptMirror } from './debian-rootfs.js';

describe('aptMirror', () => {
  let etc: string;
  beforeEach(() => {
    etc = mkdtempSync(join(tmpdir(), 'apt-'));
    mkdirSync(join(etc, 'sources.list.d'));
    vi.stubEnv('DEBIAN_MIRROR', '');
  });
  afterEach(() => {
    rmSync(etc, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it('takes the URI of the deb822 stanza serving the suite itself', async () => {
    writeFileSync(
      join(etc, 'sources.list.d', 'debian.sources'),
      [
        'Types: deb',
        'URIs: http://security.example.test/debian-security',
        'Suites: bookworm-security',
        'Components: main',
        '',
        'Types: deb-src deb',
        'URIs: http://mirror.example.test/debian http://other.example.test/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
      ].join('\n'),
    );
    expect(await aptMirror('bookworm', etc)).toBe('http://mirror.example.test/debian');
  });

  it('falls back to one-line sources, options included', async () => {
    writeFileSync(join(etc, 'sources.list'), '# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://list.example.test/debian bookworm main\n');
    expect(await aptMirror('bookworm', etc)).toBe('http://list.example.test/debian');
  });

  it('prefers DEBIAN_MIRROR', async () => {
    vi.stubEnv('DEBIAN_MIRROR', 'http://override.example.test/debian');
    expect(await aptMirror('bookworm', etc)).toBe('http://override.example.test/debian');
  });

  it('fails when no source serves the suite, naming the override', async () => {
    writeFileSync(join(etc, 'sources.list'), 'deb http://list.example.test/debian trixie main\n');
    await expect(aptMirror('bookworm', etc)).rejects.toThrow(/no apt source for Debian bookworm .*DEBIAN_MIRROR/);
  });
});
