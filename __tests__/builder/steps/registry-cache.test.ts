import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRegistrySecrets, withPrivateDockerConfig } from '../../../builder/docker-config.js';
import { createMasker } from '../../../builder/log/mask.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { PASS_ENV } from '../../../builder/process.js';
import { pullCacheImages } from '../../../builder/steps/pull-cache.js';
import { pushCacheImage } from '../../../builder/steps/push-cache.js';

const USER = 'cache-bot';
const PASSWORD = 'Pa55-w0rd-for-the-cache';
const AUTH = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const IDENTITY = 'identity-token-0123456789';

let dir: string;
let secretMount: string;
let out: string;
let saved: NodeJS.ProcessEnv;

/**
 * A fake `docker` that behaves like the CLI with its buildx plugin towards
 * DOCKER_CONFIG: buildx keeps its state in `$DOCKER_CONFIG/buildx`
 * (docker/buildx util/confutil/config.go, NewConfig and TryNodeIdentifier
 * write `.buildNodeID` there) and fails when it cannot create it.
 */
const FAKE_DOCKER = `#!/bin/sh
echo "$*" >> "$FAKE_OUT/calls"
case "$1" in
  inspect) echo vsc-sample-123 ;;
  tag) ;;
  pull|push)
    mkdir -p "$DOCKER_CONFIG/buildx/instances" && echo 0123abcd > "$DOCKER_CONFIG/buildx/.buildNodeID" || { echo "ERROR: mkdir $DOCKER_CONFIG/buildx: read-only file system" >&2; exit 1; }
    echo "$DOCKER_CONFIG" >> "$FAKE_OUT/dirs"
    cat "$DOCKER_CONFIG/config.json" > "$FAKE_OUT/config-seen"
    stat -c %a "$DOCKER_CONFIG" > "$FAKE_OUT/mode"
    [ "$1" = pull ] && case "$2" in *missing*) echo "Error response from daemon: manifest unknown" >&2; exit 1 ;; esac
    echo "$1 done" ;;
esac
`;

beforeEach(() => {
  saved = { ...process.env };
  dir = mkdtempSync(path.join(tmpdir(), 'registry-cache-test-'));
  // The Secret's mount: the kubelet writes config.json and makes the volume read-only.
  secretMount = path.join(dir, 'docker-config');
  mkdirSync(secretMount);
  writeFileSync(path.join(secretMount, 'config.json'), JSON.stringify({ auths: { 'registry.test:5000': { auth: AUTH }, 'other.test': { identitytoken: IDENTITY } } }));
  chmodSync(secretMount, 0o555);
  out = path.join(dir, 'out');
  mkdirSync(out);
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  process.env.FAKE_OUT = out;
  process.env[PASS_ENV] = 'FAKE_OUT';
});

afterEach(() => {
  process.env = saved;
  chmodSync(secretMount, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

const logger = () => {
  const sink = new MemorySink();
  return { sink, log: new Logger(sink) };
};
const lines = (file: string) => readFileSync(path.join(out, file), 'utf8').split('\n').filter(Boolean);
const tmpCopies = () => readdirSync(tmpdir()).filter((n) => n.startsWith('devcontainer-builder-docker-'));

describe('registry credentials and the cache (issue 11.3, 11.4)', () => {
  it('issue 11.3: the cache push runs docker with a private writable copy of DOCKER_CONFIG, never the read-only mount, removed afterwards', async () => {
    const before = tmpCopies();
    const { log } = logger();
    expect(await pushCacheImage({ log, containerId: 'c0ffee', ref: 'registry.test:5000/cache', dockerConfig: secretMount })).toBe(true);
    const [used] = lines('dirs');
    expect(used).not.toBe(secretMount);
    expect(readFileSync(path.join(out, 'config-seen'), 'utf8')).toBe(readFileSync(path.join(secretMount, 'config.json'), 'utf8'));
    expect(lines('mode')).toEqual(['700']);
    // buildx-style state landed in the copy, which is gone; the mount is untouched.
    expect(existsSync(path.join(secretMount, 'buildx'))).toBe(false);
    expect(readdirSync(secretMount)).toEqual(['config.json']);
    expect(existsSync(used!)).toBe(false);
    expect(tmpCopies()).toEqual(before);
  });

  it('issue 11.4: the builder pulls the cache images itself with the credentials (copy), a missing one is a warning', async () => {
    const { log, sink } = logger();
    const pulled = await pullCacheImages({
      log,
      refs: ['registry.test:5000/cache', 'registry.test:5000/missing', 'type=registry,ref=registry.test:5000/x', 'type=local,src=/tmp/cache', 'registry.test:5000/cache'],
      dockerConfig: secretMount,
    });
    // A registry spec's image is pulled (BuildKit's docker driver reads it from the daemon); other cache types are no image.
    expect(pulled).toEqual(['registry.test:5000/cache', 'registry.test:5000/x']);
    // The pulls run side by side: the order of the calls is not fixed.
    expect(lines('calls').sort()).toEqual(['pull registry.test:5000/cache', 'pull registry.test:5000/missing', 'pull registry.test:5000/x']);
    expect(sink.lines.some((l) => l.level === 'info' && /^Pulled the cache image registry\.test:5000\/cache in \d+ ms$/.test(l.text))).toBe(true);
    const dirs = lines('dirs');
    expect(new Set(dirs).size).toBe(1);
    expect(dirs[0]).not.toBe(secretMount);
    expect(existsSync(dirs[0]!)).toBe(false);
    expect(existsSync(path.join(secretMount, 'buildx'))).toBe(false);
    expect(sink.lines.some((l) => l.level === 'warn' && l.text.includes('Could not pull the cache image registry.test:5000/missing'))).toBe(true);
  });

  it('withPrivateDockerConfig without a source gives no DOCKER_CONFIG; a Secret without config.json gives an empty private folder', async () => {
    expect(await withPrivateDockerConfig(undefined, async (d) => d)).toBeUndefined();
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const seen = await withPrivateDockerConfig(empty, async (d) => ({ d, files: readdirSync(d!), mode: statSync(d!).mode & 0o777 }));
    expect(seen).toMatchObject({ files: [], mode: 0o700 });
    expect(existsSync(seen.d!)).toBe(false);
  });

  it('issue 11.4: the registry password, the base64 auth string and tokens from config.json are masked in log lines', () => {
    const secrets = readRegistrySecrets(secretMount);
    expect(secrets).toEqual(expect.arrayContaining([AUTH, PASSWORD, IDENTITY]));
    expect(secrets).not.toContain(USER);
    const mask = createMasker(secrets);
    expect(mask(`Authorization: Basic ${AUTH}`)).toBe('Authorization: Basic ***');
    expect(mask(`login with ${PASSWORD} failed`)).toBe('login with *** failed');
    expect(mask(`token ${IDENTITY}`)).toBe('token ***');
    expect(readRegistrySecrets(path.join(dir, 'nowhere'))).toEqual([]);
    expect(readRegistrySecrets(undefined)).toEqual([]);
  });
});
