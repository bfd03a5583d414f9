// A Debian bookworm root filesystem made with debootstrap and kept as a
// tarball under .cache/, for `docker import`. The mirror is read from this
// machine's apt sources at run time, so no repository host is written into
// the project; DEBIAN_MIRROR overrides it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './docker.js';

const SUITE = 'bookworm';
const VARIANT = 'minbase';
const INCLUDE = ['ca-certificates'];
/** Bump when the way the tarball is made changes, to invalidate caches. */
const RECIPE = 'rootfs-v1';

/**
 * The first Debian archive URI in the apt sources that serves `suite` itself
 * (not -security/-updates): deb822 `*.sources` files first, then one-line
 * `*.list` files.
 */
export async function aptMirror(suite = SUITE, etcApt = '/etc/apt'): Promise<string> {
  const override = process.env.DEBIAN_MIRROR;
  if (override) return override;
  const dir = join(etcApt, 'sources.list.d');
  const names = existsSync(dir) ? (await readdir(dir)).sort() : [];
  for (const name of names.filter((n) => n.endsWith('.sources'))) {
    for (const stanza of (await readFile(join(dir, name), 'utf8')).split(/\n\s*\n/)) {
      const field = (key: string) =>
        stanza.match(new RegExp(`^${key}:[ \\t]*(.*)$`, 'mi'))?.[1].trim().split(/\s+/) ?? [];
      if (field('Types').includes('deb') && field('Suites').includes(suite) && field('URIs')[0]) {
        return field('URIs')[0];
      }
    }
  }
  const lists = [join(etcApt, 'sources.list'), ...names.filter((n) => n.endsWith('.list')).map((n) => join(dir, n))];
  for (const path of lists) {
    if (!existsSync(path)) continue;
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      // deb [options] URI SUITE COMPONENTS…
      const words = line.replace(/\[[^\]]*\]/, '').trim().split(/\s+/);
      if (words[0] === 'deb' && words[2] === suite && words[1]) return words[1];
    }
  }
  throw new Error(`no apt source for Debian ${suite} in ${etcApt}; set DEBIAN_MIRROR to a Debian archive URI`);
}

/**
 * Returns the cached rootfs tarball for the current mirror and recipe,
 * running debootstrap (root only, ~2 minutes) when it is missing.
 */
export async function debianRootfsTarball(cacheDir: string): Promise<{ tarball: string; hash: string }> {
  const mirror = await aptMirror();
  const hash = createHash('sha256').update(JSON.stringify([RECIPE, SUITE, VARIANT, INCLUDE, mirror])).digest('hex');
  const tarball = join(cacheDir, `debian-${SUITE}-${hash.slice(0, 16)}.tar`);
  if (existsSync(tarball)) return { tarball, hash };

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'debootstrap-'));
  const rootfs = join(work, 'rootfs');
  try {
    process.stderr.write(`[images] debootstrap ${SUITE} (${VARIANT}) from ${mirror}\n`);
    await runCommand('debootstrap', [`--variant=${VARIANT}`, `--include=${INCLUDE.join(',')}`, SUITE, rootfs, mirror], {
      timeoutMs: 15 * 60_000,
    }).catch((error: unknown) => {
      throw new Error(`debootstrap failed (it needs root and the debootstrap package; .ci/start-docker.sh installs it)`, { cause: error });
    });
    // Package lists are fetched again by `apt-get update` in images, as in
    // Debian's own images; dropping them keeps the tarball small.
    await runCommand('sh', ['-c', 'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb', 'sh', rootfs]);
    const partial = join(work, 'rootfs.tar');
    await runCommand('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', partial, '.'], { timeoutMs: 10 * 60_000 });
    // rename() is atomic: a concurrent run sees either no tarball or a whole one.
    await rename(partial, tarball);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { tarball, hash };
}
