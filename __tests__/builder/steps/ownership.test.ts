import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { fixOwnership } from '../../../builder/steps/ownership.js';
import { World } from '../commands/harness.js';

describe('fixOwnership with a fake docker', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('chowns the checkout to the remote user inside the container, and skips root', async () => {
    world = new World();
    const log = new Logger(new MemorySink());
    expect(await fixOwnership({ log, containerId: 'c1', remoteUser: 'root', folder: '/workspaces/x' })).toEqual({ changed: false });
    expect(await fixOwnership({ log, containerId: 'c1', remoteUser: 'node', folder: '/workspaces/x' })).toEqual({ changed: true });
    expect(await fixOwnership({ log, containerId: 'c1', remoteUser: '1000:1000', folder: '/workspaces/x' })).toEqual({ changed: true });
    expect(world.recordedCalls().map((c) => c.args)).toEqual([
      ['exec', '-u', 'root', 'c1', 'chown', '-R', '--', 'node:', '/workspaces/x'],
      ['exec', '-u', 'root', 'c1', 'chown', '-R', '--', '1000:1000', '/workspaces/x'],
    ]);
  });

  it('fails the step when chown fails', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['exec'], stderr: 'chown: invalid user', exit: 1 }]);
    await expect(fixOwnership({ log: new Logger(new MemorySink()), containerId: 'c1', remoteUser: 'ghost', folder: '/w' })).rejects.toThrow('docker exited with code 1');
  });
});
