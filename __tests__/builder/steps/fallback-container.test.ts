import { afterEach, describe, expect, it } from 'vitest';
import { BuilderError } from '../../../builder/errors.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { startFallbackContainer } from '../../../builder/steps/fallback-container.js';
import { World } from '../commands/harness.js';

describe('startFallbackContainer with a fake docker', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('issue 10.1: replaces only earlier recovery containers (FALLBACK_LABEL), never a dev container, with a kept-alive one mounting the workspace', async () => {
    world = new World();
    world.containers([
      world.container('dev1', { running: false }),
      world.container('old1', { fallback: true }),
      world.container('old2', { fallback: true, running: false }),
    ]);
    world.script([{ tool: 'docker', args: ['run'], stdout: 'newid' }]);
    const result = await startFallbackContainer({ log: new Logger(new MemorySink()), image: 'debian:bookworm', workspaceFolder: world.folder });
    expect(result).toEqual({ containerId: 'newid', remoteUser: 'root', remoteWorkspaceFolder: '/workspaces/sample' });
    const calls = world.recordedCalls().map((c) => c.args);
    expect(calls[0]).toEqual(['ps', '-aq', '--filter', `label=devcontainer-builder.workspace=${world.folder}`, '--filter', 'label=devcontainer-builder.fallback=true']);
    expect(calls[1]).toEqual(['rm', '-f', 'old100000000', 'old200000000']);
    expect(calls[2]).toEqual(expect.arrayContaining(['run', '-d', '--workdir', '/workspaces/sample', '--entrypoint', '/bin/sh', 'debian:bookworm', '-c']));
    expect(calls[2]!.at(-1)).toContain('while sleep');
    expect(world.containersNow().map((c) => c.Id.slice(0, 4))).toEqual(['dev1']);
  });

  it('reports a recovery container that cannot start as a fallback failure with the output tail', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['run'], stderr: 'Unable to find image debian:nope locally', exit: 125 }]);
    const error = await startFallbackContainer({ log: new Logger(new MemorySink()), image: 'debian:nope', workspaceFolder: world.folder }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuilderError);
    expect((error as BuilderError).step).toBe('fallback');
    expect((error as BuilderError).lastLines).toContain('Unable to find image debian:nope locally');
  });
});
