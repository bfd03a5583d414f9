import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerUnavailableError } from '../../../builder/errors.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { waitForDocker } from '../../../builder/steps/wait-for-docker.js';

const SOCKET = 'unix:///tmp/fake-dind/docker.sock';
let dir: string;
let savedPath: string | undefined;
let sink: MemorySink;
let log: Logger;

/**
 * A fake `docker` first on PATH: fails `failures` times like a CLI whose daemon
 * is not up yet, then answers `docker info` with a version. It records every
 * call and the DOCKER_HOST it saw.
 */
async function fakeDocker(failures: number): Promise<void> {
  const script = `#!/bin/sh
n=$(cat "${dir}/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "${dir}/count"
echo "$* DOCKER_HOST=\${DOCKER_HOST-unset}" >> "${dir}/calls"
if [ "$n" -le ${failures} ]; then
  echo "Cannot connect to the Docker daemon at \${DOCKER_HOST-unix:///var/run/docker.sock}. Is the docker daemon running?" >&2
  exit 1
fi
echo 27.3.1
`;
  await writeFile(path.join(dir, 'docker'), script);
  await chmod(path.join(dir, 'docker'), 0o755);
}

const calls = async () => (await readFile(path.join(dir, 'calls'), 'utf8')).trim().split('\n');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wait-for-docker-'));
  savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath}`;
  sink = new MemorySink();
  log = new Logger(sink);
});

afterEach(async () => {
  process.env.PATH = savedPath;
  await rm(dir, { recursive: true, force: true });
});

describe('waitForDocker', () => {
  it('polls until the engine answers, with DOCKER_HOST passed through', async () => {
    await fakeDocker(2);
    const result = await waitForDocker({ log, dockerHost: SOCKET, timeoutMs: 10_000, intervalMs: 100 });
    expect(result.serverVersion).toBe('27.3.1');
    expect(result.waitedMs).toBeGreaterThanOrEqual(200);
    expect(await calls()).toEqual(Array(3).fill(`info --format {{.ServerVersion}} DOCKER_HOST=${SOCKET}`));
    expect(sink.texts).toContain(`Docker 27.3.1 is ready at ${SOCKET} (after ${result.waitedMs} ms, 3 attempts)`);
    expect(sink.texts.some((t) => t.startsWith(`Docker at ${SOCKET} is not ready yet (Cannot connect to the Docker daemon`))).toBe(true);
  });

  it('answers at once when the engine is up, leaving DOCKER_HOST alone when not configured', async () => {
    await fakeDocker(0);
    const saved = process.env.DOCKER_HOST;
    delete process.env.DOCKER_HOST;
    try {
      const result = await waitForDocker({ log, timeoutMs: 5000 });
      expect(result.serverVersion).toBe('27.3.1');
    } finally {
      if (saved !== undefined) process.env.DOCKER_HOST = saved;
    }
    expect(await calls()).toEqual(['info --format {{.ServerVersion}} DOCKER_HOST=unset']);
  });

  it('fails after the timeout, naming the socket and keeping the last output lines', async () => {
    await fakeDocker(1_000);
    const start = performance.now();
    const error = await waitForDocker({ log, dockerHost: SOCKET, timeoutMs: 3000, intervalMs: 100 }).catch((e: unknown) => e);
    expect(performance.now() - start).toBeLessThan(20_000);
    expect(error).toBeInstanceOf(DockerUnavailableError);
    const failure = error as DockerUnavailableError;
    expect(failure.message).toMatch(new RegExp(`^Docker at ${SOCKET} did not answer within 3.0 s \\(\\d+ attempts\\)\\. Check that the Docker-in-Docker sidecar is running`));
    expect(failure.lastLines).toEqual([`Cannot connect to the Docker daemon at ${SOCKET}. Is the docker daemon running?`]);
    expect(failure.step).toBe('wait-for-docker');
    expect((await calls()).length).toBeGreaterThanOrEqual(2);
  });

  it('names the default socket when DOCKER_HOST is not set', async () => {
    await fakeDocker(1_000);
    const error = await waitForDocker({ log, timeoutMs: 300, intervalMs: 100 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Docker at unix:\/\/\/var\/run\/docker.sock did not answer/);
  });

  it('fails at once when there is no docker CLI at all', async () => {
    process.env.PATH = dir; // an empty directory: no docker
    const start = performance.now();
    const error = await waitForDocker({ log, dockerHost: SOCKET, timeoutMs: 30_000, intervalMs: 100 }).catch((e: unknown) => e);
    expect(performance.now() - start).toBeLessThan(5000);
    expect((error as Error).message).toMatch(new RegExp(`^Cannot run the Docker CLI to reach ${SOCKET}: .*The builder image must contain the docker CLI\\.$`));
  });

  it('stops when cancelled', async () => {
    await fakeDocker(1_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const start = performance.now();
    const error = await waitForDocker({ log, dockerHost: SOCKET, timeoutMs: 60_000, intervalMs: 100, signal: controller.signal }).catch((e: unknown) => e);
    expect(performance.now() - start).toBeLessThan(5000);
    expect((error as Error).message).toBe(`Stopped waiting for Docker at ${SOCKET}: the builder is shutting down.`);
  });
});
