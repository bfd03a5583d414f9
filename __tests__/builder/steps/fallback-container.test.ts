import { afterEach, describe, expect, it } from 'vitest';
import { BuilderError } from '../../../builder/errors.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { startFallbackContainer } from '../../../builder/steps/fallback-container.js';
import { World } from '../commands/harness.js';

describe('startFallbackContainer with a fake docker', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('replaces labelled containers with a kept-alive recovery container mounting the workspace', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['ps'], stdout: 'old1\nold2\n' }, { tool: 'docker', args: ['run'], stdout: 'newid' }]);
    const result = await startFallbackContainer({ log: new Logger(new MemorySink()), image: 'debian:bookworm', workspaceFolder: world.folder });
    expect(result).toEqual({ containerId: 'newid', remoteUser: 'root', remoteWorkspaceFolder: '/workspaces/sample' });
    const calls = world.recordedCalls().map((c) => c.args);
    expect(calls[0]).toEqual(['ps', '-aq', '--filter', `label=devcontainer-builder.workspace=${world.folder}`]);
    expect(calls[1]).toEqual(['rm', '-f', 'old1', 'old2']);
    expect(calls[2]).toEqual(expect.arrayContaining(['run', '-d', '--workdir', '/workspaces/sample', '--entrypoint', '/bin/sh', 'debian:bookworm', '-c']));
    expect(calls[2]!.at(-1)).toContain('while sleep');
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
