// The builder image, built from the production Dockerfile with local bases,
// carries what the pod needs; the test DinD image runs privileged, answers on
// the pod's socket path and can run nested privileged containers.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, docker, dockerOut } from '../support/docker.js';
import { loadImageInto, prepareImages, repoRoot, testImages } from '../support/images.js';

const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const version = readFileSync(join(repoRoot, 'version.txt'), 'utf8').trim();
const APP = '/opt/devcontainer-builder';
const DIND_SOCKET = 'unix:///var/run/dind/docker.sock';

/** Cleanups registered by the tests, run in reverse order. */
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Runs `command args…` in a throw-away container of the builder image. */
async function inBuilder(command: string, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await docker(['run', '--rm', '--entrypoint', command, testImages.builder, ...args]);
  return `${stdout}${stderr}`.trim();
}

describeDocker('builder image', () => {
  let config: { Entrypoint?: string[] | null; Cmd?: string[] | null; User?: string; Labels: Record<string, string> };

  beforeAll(async () => {
    await prepareImages();
    config = JSON.parse(await dockerOut(['image', 'inspect', '--format', '{{json .Config}}', testImages.builder]));
  });

  it('runs tini then devcontainer-builder as root, with only args left to the template', () => {
    expect(config.Entrypoint).toEqual(['tini', '--', 'devcontainer-builder']);
    expect(config.Cmd ?? []).toEqual([]);
    expect(['', 'root', '0']).toContain(config.User ?? '');
  });

  it('carries the OCI labels, version from version.txt', () => {
    expect(config.Labels['org.opencontainers.image.version']).toBe(version);
    expect(config.Labels['org.opencontainers.image.source']).toMatch(/^https:\/\/github\.com\//);
    expect(config.Labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
  });

  it('has git, ssh, tini, node and the Docker CLI with its plugins directory', async () => {
    expect(await inBuilder('git', '--version')).toMatch(/^git version \d+\./);
    expect(await inBuilder('ssh', '-V')).toMatch(/OpenSSH_\d/);
    expect(await inBuilder('tini', '--version')).toMatch(/tini version \d+\./);
    expect(await inBuilder('node', '--version')).toMatch(/^v\d+\.\d+\.\d+$/);
    const hostCli = await dockerOut(['version', '--format', '{{.Client.Version}}']);
    expect(await inBuilder('docker', '--version')).toContain(`Docker version ${hostCli},`);
    expect(await inBuilder('test', '-d', '/usr/local/libexec/docker/cli-plugins', '-a', '-x', '/usr/local/bin/docker')).toBe('');
  });

  it('has the devcontainer CLI from the lockfile on PATH', async () => {
    expect(await inBuilder('devcontainer', '--version')).toBe(packageJson.dependencies['@devcontainers/cli']);
  });

  it('has every runtime dependency and no devDependency', async () => {
    const names = [...Object.keys(packageJson.dependencies), ...Object.keys(packageJson.devDependencies)];
    const script = names.map((name) => `[ -e ${APP}/node_modules/${name}/package.json ] && echo ${name}; true`).join('; ');
    const present = (await inBuilder('sh', '-c', script)).split('\n').filter(Boolean).sort();
    expect(present).toEqual(Object.keys(packageJson.dependencies).sort());
    expect(await inBuilder('cat', `${APP}/version.txt`)).toBe(version);
  });

  it('answers devcontainer-builder --version with version.txt', async () => {
    // The CLI prints its version after its name.
    const printed = await dockerOut(['run', '--rm', testImages.builder, '--version']);
    expect(printed).toBe(`devcontainer-builder ${version}`);
  });
});

describeDocker('test DinD image', () => {
  const suffix = randomBytes(4).toString('hex');
  const container = `dcb-test-dind-${suffix}`;
  const socketVolume = `dcb-test-dind-socket-${suffix}`;
  const inDind = (...args: string[]) => dockerOut(['exec', container, 'docker', '-H', DIND_SOCKET, ...args]);

  beforeAll(async () => {
    await prepareImages();
    cleanups.push(() => docker(['volume', 'rm', '-f', socketVolume]));
    cleanups.push(() => docker(['rm', '-f', '-v', container]));
    // The arguments and environment the template gives the sidecar.
    await docker([
      'run', '-d', '--privileged', '--name', container,
      '-e', 'DOCKER_TLS_CERTDIR=',
      '-v', `${socketVolume}:/var/run/dind`,
      testImages.dind, 'dockerd', `--host=${DIND_SOCKET}`,
    ]);
    const deadline = Date.now() + 90_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await inDind('info', '--format', '{{.ServerVersion}}');
        break;
      } catch (error) {
        if (Date.now() > deadline || attempt >= 90) {
          const logs = await docker(['logs', '--tail', '30', container]).catch(() => undefined);
          throw new Error(`DinD did not answer within 90s:\n${logs?.stderr ?? ''}`, { cause: error });
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  });

  it('answers docker info on the pod socket with the wrapped runtime', async () => {
    expect(await inDind('info', '--format', '{{.DefaultRuntime}}')).toBe('runc-wrapper');
  });

  it('runs a nested privileged container with every capability the kernel allows', async () => {
    await loadImageInto({ container }, testImages.debian, { as: 'debian:bookworm' });
    const status = await inDind('run', '--rm', '--privileged', 'debian:bookworm', 'cat', '/proc/self/status');
    expect(status).toMatch(/^CapEff:\s+[0-9a-f]+$/m);
    // A privileged container may mount; an unprivileged one may not.
    expect(await inDind('run', '--rm', '--privileged', 'debian:bookworm', 'sh', '-c', 'mount -t tmpfs none /mnt && echo mounted')).toBe('mounted');
    // docker exec goes through the wrapper's other path (runc exec --process).
    const nested = await inDind('run', '-d', '--privileged', 'debian:bookworm', 'sleep', '300');
    try {
      expect(await inDind('exec', '--privileged', nested, 'sh', '-c', 'mount -t tmpfs none /mnt && echo exec-mounted')).toBe('exec-mounted');
    } finally {
      await inDind('rm', '-f', nested);
    }
  });

  it('is reachable from the builder image through the shared socket volume', async () => {
    const dindVersion = await inDind('version', '--format', '{{.Server.Version}}');
    const fromBuilder = await dockerOut([
      'run', '--rm', '-v', `${socketVolume}:/var/run/dind`, '-e', `DOCKER_HOST=${DIND_SOCKET}`,
      '--entrypoint', 'docker', testImages.builder, 'version', '--format', '{{.Server.Version}}',
    ]);
    expect(fromBuilder).toBe(dindVersion);
  });
});
