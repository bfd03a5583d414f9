import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { detectCompose, dockerComposePathOf, startComposeServices } from '../../../builder/steps/compose.js';
import { World } from '../commands/harness.js';

const NO_PLUGIN = { tool: 'docker' as const, args: ['compose'], stderr: "docker: 'compose' is not a docker command.", exit: 1 };

describe('detectCompose', () => {
  let world: World;
  afterEach(() => world?.remove());

  /** A directory holding a `docker-compose` script with this body. */
  function composeBin(body: string): string {
    const dir = mkdtempSync(path.join(world.dir, 'bin-'));
    writeFileSync(path.join(dir, 'docker-compose'), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, 'docker-compose'), 0o755);
    return dir;
  }

  it('takes the v2 plugin when `docker compose version` answers, and gives the CLI no v1 path', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['compose', 'version', '--short'], stdout: '2.40.0' }]);
    const sink = new MemorySink();
    // A docker-compose on the search path too: the plugin still wins, as in the CLI.
    const compose = await detectCompose({ log: new Logger(sink), searchPath: composeBin('echo 1.29.2') });
    expect(compose).toEqual({ variant: 'v2', version: '2.40.0' });
    expect(dockerComposePathOf(compose)).toBeUndefined();
    expect(sink.lines.map((l) => l.text)).toContain('Docker Compose 2.40.0 (the docker compose plugin).');
  });

  it('falls back to docker-compose (v1) on the search path and passes it with --docker-compose-path', async () => {
    world = new World();
    world.script([NO_PLUGIN]);
    const dir = composeBin('[ "$1 $2" = "version --short" ] && echo 1.29.2');
    const compose = await detectCompose({ log: new Logger(new MemorySink()), searchPath: `relative/bin${path.delimiter}${path.join(world.dir, 'missing')}${path.delimiter}${dir}` });
    expect(compose).toEqual({ variant: 'v1', version: '1.29.2', path: path.join(dir, 'docker-compose') });
    expect(dockerComposePathOf(compose)).toBe(path.join(dir, 'docker-compose'));
  });

  it('fails with the clear error when neither runs', async () => {
    world = new World();
    world.script([NO_PLUGIN]);
    const log = new Logger(new MemorySink());
    await expect(detectCompose({ log, searchPath: path.join(world.dir, 'empty') })).rejects.toThrow(
      /^This dev container uses Docker Compose \(dockerComposeFile in devcontainer\.json\), but Compose is not available in the builder image: neither `docker compose` nor `docker-compose` runs \(no docker-compose on PATH\)/,
    );
    const broken = composeBin('exit 127');
    await expect(detectCompose({ log, searchPath: broken })).rejects.toThrow(`(${path.join(broken, 'docker-compose')} failed)`);
  });

  it('has no --docker-compose-path for a configuration without Compose', () => {
    expect(dockerComposePathOf(undefined)).toBeUndefined();
  });
});

describe('startComposeServices', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('starts the stopped containers of the dev container\'s Compose project', async () => {
    world = new World();
    world.script([
      { tool: 'docker', args: ['inspect', '--format', '{{index .Config.Labels "com.docker.compose.project"}}', 'app1'], stdout: 'compose_devcontainer' },
      { tool: 'docker', args: ['ps', '-aq', '--filter', 'label=com.docker.compose.project=compose_devcontainer', '--filter', 'label=com.docker.compose.oneoff=False', '--filter', 'status=exited', '--filter', 'status=created'], stdout: 'db1\n' },
    ]);
    await expect(startComposeServices({ log: new Logger(new MemorySink()), containerId: 'app1' })).resolves.toEqual(['db1']);
    expect(world.recordedCalls().filter((c) => c.tool === 'docker' && c.args[0] === 'start').map((c) => c.args)).toEqual([['start', 'db1']]);
  });

  it('does nothing for a container that is not a Compose service, and never throws', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['inspect'], stdout: '<no value>' }]);
    await expect(startComposeServices({ log: new Logger(new MemorySink()), containerId: 'c1' })).resolves.toEqual([]);
    expect(world.recordedCalls().map((c) => c.args[0])).toEqual(['inspect']);
    world.script([{ tool: 'docker', args: ['inspect'], stderr: 'Error: No such object: c1', exit: 1 }]);
    const sink = new MemorySink();
    await expect(startComposeServices({ log: new Logger(sink), containerId: 'c1' })).resolves.toEqual([]);
    expect(sink.lines.some((l) => l.level === 'warn' && l.text.startsWith('Could not start the other Compose services'))).toBe(true);
  });
});
