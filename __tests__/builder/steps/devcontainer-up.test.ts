import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { DevcontainerStepError, devcontainerUp } from '../../../builder/steps/devcontainer-up.js';
import { BUILD_SUCCESS, World } from '../commands/harness.js';
import { checkout } from '../../../builder/steps/checkout.js';

describe('devcontainerUp with a fake devcontainer', () => {
  let world: World;
  afterEach(() => world?.remove());

  async function prepared(): Promise<World> {
    const w = new World({ build: { dockerfile: 'Dockerfile' }, remoteUser: 'dev' });
    await checkout({ log: new Logger(new MemorySink()), repository: `file://${w.repo}`, folder: w.folder, timeoutMs: 60_000 });
    return w;
  }

  it('trusts the result line over the exit code', async () => {
    world = await prepared();
    world.script([{ tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"dev","remoteWorkspaceFolder":"/workspaces/sample"}', exit: 1 }]);
    const result = await devcontainerUp({ log: new Logger(new MemorySink()), workspaceFolder: world.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer' });
    expect(result).toMatchObject({ outcome: 'success', containerId: 'c1', remoteUser: 'dev', replaced: false, built: false });
  });

  it('fails on an error outcome even with exit code 0', async () => {
    world = await prepared();
    world.script([{ tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"error","message":"m","description":"The expected container does not exist."}', exit: 0 }]);
    await expect(devcontainerUp({ log: new Logger(new MemorySink()), workspaceFolder: world.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer' }))
      .rejects.toThrow('devcontainer up failed: The expected container does not exist.');
  });

  it('fingerprints the Dockerfile too: changing it asks for a new container', async () => {
    world = await prepared();
    world.script([{ tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"dev","remoteWorkspaceFolder":"/w"}' }, BUILD_SUCCESS]);
    const options = { log: new Logger(new MemorySink()), workspaceFolder: world.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer' };
    const first = await devcontainerUp(options);
    const same = await devcontainerUp({ ...options, previousFingerprint: first.fingerprint });
    expect(same.replaced).toBe(false);
    writeFileSync(`${world.folder}/.devcontainer/Dockerfile`, 'FROM debian\nRUN true\n');
    const changed = await devcontainerUp({ ...options, previousFingerprint: first.fingerprint });
    expect(changed.fingerprint).not.toBe(first.fingerprint);
    expect(changed.replaced).toBe(true);
    expect(world.recordedCalls().some((c) => c.args.includes('--remove-existing-container'))).toBe(false);
    expect(world.recordedCalls().filter((c) => c.args[0] === 'build' || c.args[0] === 'up').map((c) => c.args[0])).toEqual(['up', 'up', 'build', 'up']);
  });

  it('issue 10.2: a failing build of a changed configuration never removes the container', async () => {
    world = await prepared();
    world.script([
      { tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"dev","remoteWorkspaceFolder":"/w"}' },
      { tool: 'devcontainer', args: ['build'], stderr: 'E: Unable to locate package nope', stdout: '{"outcome":"error","message":"Command failed: docker build","description":"An error occurred building the image."}', exit: 1 },
    ]);
    const options = { log: new Logger(new MemorySink()), workspaceFolder: world.folder, rebuild: false, cacheFrom: ['reg.example/cache'], timeoutMs: 60_000, devcontainerBin: 'devcontainer', noLockfile: true };
    const first = await devcontainerUp(options);
    writeFileSync(`${world.folder}/.devcontainer/Dockerfile`, 'FROM debian\nRUN apt-get install nope\n');
    const error = await devcontainerUp({ ...options, previousFingerprint: first.fingerprint }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevcontainerStepError);
    expect(error).toMatchObject({ kind: 'build', message: 'The dev container image build failed: An error occurred building the image.' });
    const calls = world.recordedCalls().filter((c) => c.args[0] === 'build' || c.args[0] === 'up');
    expect(calls.map((c) => c.args[0])).toEqual(['up', 'build']);
    expect(calls.some((c) => c.args.includes('--remove-existing-container'))).toBe(false);
    // Same cache flags as up; build takes no --id-label.
    expect(calls[1]!.args).toEqual(['build', '--workspace-folder', world.folder, '--log-format', 'json', '--cache-from', 'reg.example/cache', '--no-lockfile']);
  });

  it('issue 10.1: an unreadable configuration is a "configuration" failure (agent then uses plain docker exec)', async () => {
    world = await prepared();
    // Not an object: the builder cannot read it (a syntax error alone only warns, as the CLI parses leniently).
    writeFileSync(`${world.folder}/.devcontainer/devcontainer.json`, '[1, 2]\n');
    const error = await devcontainerUp({ log: new Logger(new MemorySink()), workspaceFolder: world.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'configuration', step: 'devcontainer-up' });
    expect(world.recordedCalls().some((c) => c.args[0] === 'up')).toBe(false);
  });

  describe('a Docker Compose dev container', () => {
    async function composeWorld(): Promise<World> {
      const w = new World({ dockerComposeFile: 'compose.yaml', service: 'app', workspaceFolder: '/workspaces/sample' });
      await checkout({ log: new Logger(new MemorySink()), repository: `file://${w.repo}`, folder: w.folder, timeoutMs: 60_000 });
      return w;
    }
    const options = (w: World) => ({ log: new Logger(new MemorySink()), workspaceFolder: w.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer' });

    it('fails before the CLI runs, saying Compose is not available, when neither compose command works', async () => {
      world = await composeWorld();
      // docker-compose: an executable on PATH that fails, so the host's own never answers.
      world.script([{ tool: 'docker', args: ['compose'], stderr: "docker: 'compose' is not a docker command.", exit: 1 }]);
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const bin = mkdtempSync(`${world.dir}/bin-`);
      writeFileSync(`${bin}/docker-compose`, '#!/bin/sh\nexit 127\n', { mode: 0o755 });
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
      try {
        await expect(devcontainerUp(options(world))).rejects.toThrow(
          /^This dev container uses Docker Compose \(dockerComposeFile in devcontainer\.json\), but Compose is not available in the builder image/,
        );
      } finally {
        process.env.PATH = path;
      }
      expect(world.recordedCalls().some((c) => c.tool === 'devcontainer' && c.args[0] === 'up')).toBe(false);
    });

    it('runs the CLI when docker compose works', async () => {
      world = await composeWorld();
      world.script([
        { tool: 'docker', args: ['compose'], stdout: 'Docker Compose version v2.40.0' },
        { tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"root","remoteWorkspaceFolder":"/workspaces/sample"}' },
      ]);
      await expect(devcontainerUp(options(world))).resolves.toMatchObject({ outcome: 'success', containerId: 'c1' });
    });
  });
});
