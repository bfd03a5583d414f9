// Local images for the end-to-end tests. No registry is reachable, so every
// base is made on this machine and cached by content: each image carries a
// label with the hash of its inputs and is rebuilt only when that changes.
//
//   debian     Debian bookworm (debootstrap minbase + ca-certificates, imported)
//   node       debian + the test runner's own node  (stands in for node:22-bookworm-slim)
//   dockerCli  debian + the host's docker CLI        (stands in for docker:<x.y.z>-cli)
//   builder    the production Dockerfile, FROM node and dockerCli
//   dind       debian + Debian's docker.io + the runc wrapper (stands in for docker:<x.y.z>-dind)
//   builderCompose  builder + Debian's docker-compose 1.29 (test-only layer, on demand: the
//                   host has no Compose v2 plugin to copy, so the Compose scenario runs v1)
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { docker, dockerOut, runCommand } from './docker.js';
import { debianRootfsTarball } from './debian-rootfs.js';
import { withLock } from './dir-lock.js';

/** Repository root (this file is __tests__/support/images.ts). */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Label holding the hash of an image's inputs. */
export const CONTENT_HASH_LABEL = 'devcontainer-builder.test.content-hash';

/** Tags of the local test images. */
export const testImages = {
  debian: 'devcontainer-builder-test/debian:bookworm',
  node: 'devcontainer-builder-test/node:local',
  dockerCli: 'devcontainer-builder-test/docker-cli:local',
  builder: 'devcontainer-builder-test/builder:local',
  dind: 'devcontainer-builder-test/dind:local',
  builderCompose: 'devcontainer-builder-test/builder:compose',
} as const;

export type TestImages = typeof testImages;

const BUILD_TIMEOUT_MS = 15 * 60_000;

function log(message: string): void {
  process.stderr.write(`[images] ${message}\n`);
}

function sha256(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

async function imageHash(tag: string): Promise<string | undefined> {
  try {
    return await dockerOut(['image', 'inspect', '--format', `{{index .Config.Labels "${CONTENT_HASH_LABEL}"}}`, tag]);
  } catch {
    return undefined;
  }
}

/** Runs `build` unless `tag` already carries `hash`; returns the image id. */
async function ensureImage(tag: string, hash: string, build: () => Promise<void>): Promise<string> {
  if ((await imageHash(tag)) !== hash) {
    const started = Date.now();
    log(`building ${tag}`);
    await build();
    log(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    const built = await imageHash(tag);
    if (built !== hash) throw new Error(`${tag} was built but carries content hash ${built}, expected ${hash}`);
  }
  return dockerOut(['image', 'inspect', '--format', '{{.Id}}', tag]);
}

/** `docker build` of a generated Dockerfile in a throw-away context directory. */
async function buildInContext(tag: string, hash: string, dockerfile: string, files: Record<string, string>): Promise<void> {
  const context = await mkdtemp(join(repoRoot, '.cache', 'context-'));
  try {
    for (const [name, source] of Object.entries(files)) {
      await cp(source, join(context, name), { recursive: true, preserveTimestamps: true });
    }
    await writeFile(join(context, 'Dockerfile'), dockerfile);
    await docker(['build', '--label', `${CONTENT_HASH_LABEL}=${hash}`, '-t', tag, context], { timeoutMs: BUILD_TIMEOUT_MS });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function fileHash(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/**
 * Identity of a large host binary (node ~100 MB, docker ~40 MB) without
 * reading it: hashing their content took seconds on every test file.
 */
async function binaryKey(path: string): Promise<string> {
  const { size, mtimeMs, ino, dev } = await stat(path);
  return `${path}:${dev}:${ino}:${size}:${mtimeMs}`;
}

/** (1) Debian bookworm, imported from a cached debootstrap tarball. */
export async function prepareDebianBase(): Promise<string> {
  const { tarball, hash } = await debianRootfsTarball(join(repoRoot, '.cache', 'rootfs'));
  return ensureImage(testImages.debian, hash, async () => {
    await docker(
      ['import', '--change', `LABEL ${CONTENT_HASH_LABEL}=${hash}`, '--change', 'CMD ["bash"]', tarball, testImages.debian],
      { timeoutMs: BUILD_TIMEOUT_MS },
    );
  });
}

/** (2) The local "node" base: Debian + this process's node at /usr/local/bin/node. */
export async function prepareNodeBase(debianId: string): Promise<string> {
  const hash = sha256('node-v1', debianId, await binaryKey(process.execPath));
  return ensureImage(testImages.node, hash, () =>
    buildInContext(
      testImages.node,
      hash,
      `FROM ${testImages.debian}\nCOPY node /usr/local/bin/node\nCMD ["node"]\n`,
      { node: process.execPath },
    ),
  );
}

/** Where CLI plugins may live on the host, in the CLI's own search order. */
const HOST_PLUGIN_DIRS = [
  join(process.env.HOME ?? '/root', '.docker', 'cli-plugins'),
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

async function hostDockerCli(): Promise<string> {
  const { stdout } = await runCommand('sh', ['-c', 'command -v docker']);
  return stdout.trim();
}

/**
 * (3) The local "docker-cli" base: the host's docker CLI at
 * /usr/local/bin/docker and the plugins found on the host (possibly none) in
 * /usr/local/libexec/docker/cli-plugins, where the official image has them.
 */
export async function prepareDockerCliBase(debianId: string): Promise<string> {
  const cli = await hostDockerCli();
  const plugins: Record<string, string> = {};
  for (const dir of HOST_PLUGIN_DIRS) {
    if (!existsSync(dir)) continue;
    for (const name of await readdir(dir)) {
      if (name.startsWith('docker-') && !(name in plugins)) plugins[name] = join(dir, name);
    }
  }
  const parts = ['docker-cli-v1', debianId, await binaryKey(cli)];
  for (const [name, path] of Object.entries(plugins).sort()) parts.push(name, await binaryKey(path));
  const hash = sha256(...parts);
  const files: Record<string, string> = { docker: cli };
  for (const [name, path] of Object.entries(plugins)) files[`cli-plugins/${name}`] = path;
  return ensureImage(testImages.dockerCli, hash, async () => {
    const dockerfile = [
      `FROM ${testImages.debian}`,
      'COPY docker /usr/local/bin/docker',
      // The directory exists even when empty, as the production COPY expects.
      'RUN mkdir -p /usr/local/libexec/docker/cli-plugins',
      ...(Object.keys(plugins).length > 0 ? ['COPY cli-plugins/ /usr/local/libexec/docker/cli-plugins/'] : []),
      'CMD ["docker"]',
      '',
    ].join('\n');
    await buildInContext(testImages.dockerCli, hash, dockerfile, files);
  });
}

/** Hash of every path, mode and content under `dir`, in a stable order. */
async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (current: string, prefix: string): Promise<void> => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        await walk(path, `${prefix}${entry.name}/`);
      } else {
        hash.update(`${prefix}${entry.name}\0${(await stat(path)).mode}\0`).update(await readFile(path));
      }
    }
  };
  await walk(dir, '');
  return hash.digest('hex');
}

/**
 * (4) The builder image from the production Dockerfile, with the local bases
 * as build args. The context comes from scripts/image-context.sh, the same
 * script production builds use.
 */
export async function prepareBuilderImage(nodeId: string, dockerCliId: string): Promise<string> {
  // Another test process may be rewriting .cache/image-context while this
  // one sends it to the daemon: one writer-and-builder at a time.
  return withLock(join(repoRoot, '.cache', 'image-context.lock'), () => buildBuilderImage(nodeId, dockerCliId));
}

async function buildBuilderImage(nodeId: string, dockerCliId: string): Promise<string> {
  await runCommand('bash', [join(repoRoot, 'scripts', 'image-context.sh')], { cwd: repoRoot, timeoutMs: 10 * 60_000 });
  const context = join(repoRoot, '.cache', 'image-context');
  const version = (await readFile(join(context, 'version.txt'), 'utf8')).trim();
  let revision = 'unknown';
  try {
    revision = (await runCommand('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })).stdout.trim();
  } catch {
    // Not a git checkout (e.g. an exported tree): the label says so.
  }
  // node_modules is represented by the lockfile stamp; dist and the rest by content.
  const hash = sha256(
    'builder-v1',
    nodeId,
    dockerCliId,
    revision,
    await readFile(join(repoRoot, 'Dockerfile')),
    await readFile(join(repoRoot, '.dockerignore')),
    await readFile(join(context, '.deps-stamp')),
    await treeHash(join(context, 'dist')),
    version,
  );
  return ensureImage(testImages.builder, hash, async () => {
    await docker(
      [
        'build',
        '--build-arg', `NODE_IMAGE=${testImages.node}`,
        '--build-arg', `DOCKER_CLI_IMAGE=${testImages.dockerCli}`,
        '--build-arg', `VERSION=${version}`,
        '--build-arg', `REVISION=${revision}`,
        '--label', `${CONTENT_HASH_LABEL}=${hash}`,
        '-t', testImages.builder,
        '-f', join(repoRoot, 'Dockerfile'),
        repoRoot,
      ],
      { timeoutMs: BUILD_TIMEOUT_MS },
    );
  });
}

/**
 * (5) The test DinD image: Debian's docker.io with the same runc wrapper as
 * the host engine (nested privileged containers need it too) and an
 * entrypoint taking the arguments of the official docker:<x.y.z>-dind image.
 */
export async function prepareDindImage(debianId: string): Promise<string> {
  const dir = join(repoRoot, '.ci', 'docker');
  const files = {
    'runc-wrapper.sh': join(dir, 'runc-wrapper.sh'),
    'daemon.json': join(dir, 'daemon.json'),
    'dind-entrypoint.sh': join(dir, 'dind-entrypoint.sh'),
  };
  const dockerfile = [
    `FROM ${testImages.debian}`,
    'RUN apt-get update \\',
    ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io tini jq iptables ca-certificates \\',
    ' && rm -rf /var/lib/apt/lists/*',
    'COPY runc-wrapper.sh /usr/local/libexec/docker/runc-wrapper',
    'COPY daemon.json /etc/docker/daemon.json',
    'COPY dind-entrypoint.sh /usr/local/bin/dockerd-entrypoint.sh',
    'ENV DOCKER_TLS_CERTDIR=""',
    'VOLUME /var/lib/docker',
    'ENTRYPOINT ["dockerd-entrypoint.sh"]',
    'CMD []',
    '',
  ].join('\n');
  const parts = ['dind-v1', debianId, dockerfile];
  for (const path of Object.values(files)) parts.push(await fileHash(path));
  const hash = sha256(...parts);
  return ensureImage(testImages.dind, hash, () => buildInContext(testImages.dind, hash, dockerfile, files));
}

/**
 * (6) Test-only: the builder image plus Debian bookworm's docker-compose
 * (1.29.2, Compose v1, Python). The production image copies the v2 plugin
 * from docker:<x.y.z>-cli; the local docker-cli base can only copy the
 * host's plugins and this host has none, and no registry or release
 * download is reachable, but Debian's mirror is. The Dev Containers CLI
 * falls back to `docker-compose` when `docker compose` fails
 * (devcontainers/cli src/spec-node/dockerCompose.ts, dockerComposeCLIConfig),
 * so the real Compose path runs; the v2 detection is unit-tested.
 */
export async function prepareComposeBuilderImage(): Promise<string> {
  await prepareImages();
  const builderId = await dockerOut(['image', 'inspect', '--format', '{{.Id}}', testImages.builder]);
  const dockerfile = [
    `FROM ${testImages.builder}`,
    'RUN apt-get update \\',
    ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose \\',
    ' && rm -rf /var/lib/apt/lists/* \\',
    ' && docker-compose version --short',
    '',
  ].join('\n');
  const hash = sha256('builder-compose-v1', builderId, dockerfile);
  return ensureImage(testImages.builderCompose, hash, () => buildInContext(testImages.builderCompose, hash, dockerfile, {}));
}

let prepared: Promise<TestImages> | undefined;

/**
 * Builds (or finds cached) every local test image, once per process, and
 * returns their tags. Cold: a few minutes (debootstrap, apt); warm: seconds.
 */
export function prepareImages(): Promise<TestImages> {
  prepared ??= (async () => {
    const started = Date.now();
    await mkdir(join(repoRoot, '.cache'), { recursive: true });
    const debianId = await prepareDebianBase();
    const [nodeId, dockerCliId] = await Promise.all([prepareNodeBase(debianId), prepareDockerCliBase(debianId)]);
    await Promise.all([prepareBuilderImage(nodeId, dockerCliId), prepareDindImage(debianId)]);
    log(`images ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return testImages;
  })();
  return prepared;
}

export { loadImageInto, type DockerTarget } from './load-image.js';
