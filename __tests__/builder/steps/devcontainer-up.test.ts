import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { devcontainerUp } from '../../../builder/steps/devcontainer-up.js';
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
    expect(result).toMatchObject({ outcome: 'success', containerId: 'c1', remoteUser: 'dev', built: false });
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
    await devcontainerUp({ ...options, previousFingerprint: first.fingerprint });
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
    expect(error).toMatchObject({ step: 'devcontainer-up', phase: 'build', message: 'The dev container image build failed: An error occurred building the image.' });
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
    expect(error).toMatchObject({ phase: 'configuration', step: 'devcontainer-up' });
    expect(world.recordedCalls().some((c) => c.args[0] === 'up')).toBe(false);
  });

  it('issue 14.2/14.4: a chosen configuration reaches every CLI call, is what is fingerprinted, and its hostRequirements are checked', async () => {
    const w = new World({ image: 'debian' }, {
      '.devcontainer/gpu/devcontainer.json': JSON.stringify({ image: 'debian', remoteUser: 'dev', hostRequirements: { cpus: 8, gpu: true } }),
    });
    world = w;
    await checkout({ log: new Logger(new MemorySink()), repository: `file://${w.repo}`, folder: w.folder, timeoutMs: 60_000 });
    w.script([{ tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"dev","remoteWorkspaceFolder":"/w"}' }]);
    const sink = new MemorySink();
    const options = {
      log: new Logger(sink), workspaceFolder: w.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer',
      configPath: '.devcontainer/gpu/devcontainer.json', capacity: { cpus: 2, gpuAvailability: 'none' as const },
    };
    const first = await devcontainerUp(options);
    const configFile = `${w.folder}/.devcontainer/gpu/devcontainer.json`;
    expect(first.configFile).toBe(configFile);
    const up = w.recordedCalls().find((c) => c.args[0] === 'up')!;
    expect(up.args.slice(0, 5)).toEqual(['up', '--workspace-folder', w.folder, '--config', configFile]);
    expect(up.args.slice(-2)).toEqual(['--gpu-availability', 'none']);
    expect(sink.texts).toContain('Using .devcontainer/gpu/devcontainer.json (devcontainer_config parameter).');
    expect(sink.texts).toContain('devcontainer.json asks for 8 CPUs (hostRequirements.cpus), this workspace has 2: raise the cpu parameter to at least 8.');
    expect(sink.lines.find((l) => l.text.startsWith('devcontainer.json asks for a GPU'))?.level).toBe('warn');
    // The default configuration is not what the container is made from: editing it changes nothing.
    writeFileSync(`${w.folder}/.devcontainer/devcontainer.json`, '{"image": "alpine"}');
    expect((await devcontainerUp({ ...options, previousFingerprint: first.fingerprint })).replaced).toBe(false);
    writeFileSync(configFile, '{"image": "alpine"}');
    w.script([{ tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c2","remoteUser":"dev","remoteWorkspaceFolder":"/w"}' }, BUILD_SUCCESS]);
    expect((await devcontainerUp({ ...options, previousFingerprint: first.fingerprint })).replaced).toBe(true);
    const build = w.recordedCalls().find((c) => c.args[0] === 'build')!;
    expect(build.args.slice(0, 5)).toEqual(['build', '--workspace-folder', w.folder, '--config', configFile]);
  });

  it('issue 14.2: a configuration asking for a GPU gets a new container when GPUs come or go, one without keeps its container', async () => {
    const w = new World({ image: 'debian', remoteUser: 'dev', hostRequirements: { gpu: 'optional' } });
    world = w;
    await checkout({ log: new Logger(new MemorySink()), repository: `file://${w.repo}`, folder: w.folder, timeoutMs: 60_000 });
    w.script([{ tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"dev","remoteWorkspaceFolder":"/w"}' }, BUILD_SUCCESS]);
    const options = { log: new Logger(new MemorySink()), workspaceFolder: w.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer' };
    const none = await devcontainerUp({ ...options, capacity: { gpuAvailability: 'none' as const } });
    expect((await devcontainerUp({ ...options, previousFingerprint: none.fingerprint })).replaced).toBe(false);
    const all = await devcontainerUp({ ...options, previousFingerprint: none.fingerprint, capacity: { gpuAvailability: 'all' as const } });
    expect(all.replaced).toBe(true);
    expect((await devcontainerUp({ ...options, previousFingerprint: all.fingerprint, capacity: { gpuAvailability: 'none' as const } })).replaced).toBe(true);
    // Without hostRequirements.gpu the GPUs do not matter.
    writeFileSync(`${w.folder}/.devcontainer/devcontainer.json`, '{"image": "debian", "remoteUser": "dev"}');
    const plain = await devcontainerUp({ ...options, capacity: { gpuAvailability: 'none' as const } });
    expect((await devcontainerUp({ ...options, previousFingerprint: plain.fingerprint, capacity: { gpuAvailability: 'all' as const } })).replaced).toBe(false);
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

    it('gives the CLI the v1 docker-compose with --docker-compose-path when the plugin is missing', async () => {
      world = await composeWorld();
      world.script([
        { tool: 'docker', args: ['compose'], stderr: "docker: 'compose' is not a docker command.", exit: 1 },
        { tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"root","remoteWorkspaceFolder":"/workspaces/sample"}' },
      ]);
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const bin = mkdtempSync(`${world.dir}/bin-`);
      writeFileSync(`${bin}/docker-compose`, '#!/bin/sh\necho 1.29.2\n', { mode: 0o755 });
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
      try {
        await expect(devcontainerUp(options(world))).resolves.toMatchObject({ outcome: 'success', containerId: 'c1' });
      } finally {
        process.env.PATH = path;
      }
      const up = world.recordedCalls().find((c) => c.tool === 'devcontainer' && c.args[0] === 'up');
      expect(up?.args.slice(-2)).toEqual(['--docker-compose-path', `${bin}/docker-compose`]);
    });

    it('a changed Compose file builds the services first; a failing build keeps the running services', async () => {
      world = new World({ dockerComposeFile: 'compose.yaml', service: 'app', workspaceFolder: '/workspaces/sample' }, { '.devcontainer/compose.yaml': 'services:\n  app:\n    build: .\n' });
      await checkout({ log: new Logger(new MemorySink()), repository: `file://${world.repo}`, folder: world.folder, timeoutMs: 60_000 });
      world.script([
        { tool: 'docker', args: ['compose'], stdout: '2.40.0' },
        { tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"root","remoteWorkspaceFolder":"/workspaces/sample"}' },
        { tool: 'devcontainer', args: ['build'], stdout: '{"outcome":"error","message":"Command failed: docker compose build","description":"An error occurred building the Docker Compose images."}', exit: 1 },
      ]);
      const first = await devcontainerUp(options(world));
      writeFileSync(`${world.folder}/.devcontainer/compose.yaml`, 'services:\n  app:\n    build: .\n    environment:\n      A: "1"\n');
      const error = await devcontainerUp({ ...options(world), previousFingerprint: first.fingerprint }).catch((e: unknown) => e);
      expect(error).toMatchObject({ phase: 'build' });
      const calls = world.recordedCalls().filter((c) => c.tool === 'devcontainer').map((c) => `${c.args[0]}${c.args.includes('--remove-existing-container') ? ' --remove-existing-container' : ''}`);
      expect(calls).toEqual(['up', 'build']);
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
