import { describe, expect, it } from 'vitest';
import { buildArgs, runUserCommandsArgs, upArgs } from '../../../builder/devcontainer/args.js';
import { commandsAfter, lifecyclePlan } from '../../../builder/devcontainer/wait-for.js';

// Labels shaped like the CLI 0.89.0 writes them (checked against a real
// container: `docker inspect --format '{{index .Config.Labels "devcontainer.metadata"}}'`
// of a dev container with waitFor postCreateCommand gave
// [{"postCreateCommand":"…","postStartCommand":"…","waitFor":"postCreateCommand"}]).
const label = (...entries: object[]) => JSON.stringify(entries);

describe('issue 13.3: waitFor', () => {
  it('passes --skip-non-blocking-commands to up and run-user-commands only when asked, never to build', () => {
    expect(upArgs({ workspaceFolder: '/w', skipNonBlocking: true })).toContain('--skip-non-blocking-commands');
    expect(upArgs({ workspaceFolder: '/w' })).not.toContain('--skip-non-blocking-commands');
    expect(runUserCommandsArgs('/w', 0, 'c0ffee', undefined, true)).toContain('--skip-non-blocking-commands');
    expect(runUserCommandsArgs('/w', 0, 'c0ffee')).not.toContain('--skip-non-blocking-commands');
    expect(buildArgs({ workspaceFolder: '/w' })).not.toContain('--skip-non-blocking-commands');
  });

  it('the default waitFor is updateContentCommand: postCreate, postStart and postAttach are left for later', () => {
    expect(lifecyclePlan(label({ onCreateCommand: 'a', updateContentCommand: 'b', postCreateCommand: 'c', postStartCommand: 'd', postAttachCommand: 'e' })))
      .toEqual({ waitFor: 'updateContentCommand', after: ['postCreateCommand', 'postStartCommand', 'postAttachCommand'] });
  });

  it('lists only commands some entry defines (image, Features, devcontainer.json), blank ones not', () => {
    const plan = lifecyclePlan(label({ id: 'ghcr.io/x/feature:1', postStartCommand: ['echo', 'feature'] }, { postCreateCommand: '  ' }, { postAttachCommand: { a: 'echo a' } }));
    expect(plan.after).toEqual(['postStartCommand', 'postAttachCommand']);
  });

  it('takes waitFor from the last entry that sets it, as mergeConfiguration does', () => {
    expect(lifecyclePlan(label({ waitFor: 'onCreateCommand' }, { postCreateCommand: 'x', updateContentCommand: 'u' })).waitFor).toBe('onCreateCommand');
    const plan = lifecyclePlan(label({ waitFor: 'onCreateCommand' }, { waitFor: 'postCreateCommand', postCreateCommand: 'x', postStartCommand: 'y' }));
    expect(plan).toEqual({ waitFor: 'postCreateCommand', after: ['postStartCommand'] });
  });

  it('waitFor postAttachCommand or an unknown value leaves nothing; initializeCommand leaves everything', () => {
    expect(commandsAfter('postAttachCommand')).toEqual([]);
    expect(commandsAfter('postCreatCommand')).toEqual([]);
    expect(commandsAfter('initializeCommand')).toEqual(['onCreateCommand', 'updateContentCommand', 'postCreateCommand', 'postStartCommand', 'postAttachCommand']);
    expect(lifecyclePlan(label({ waitFor: 'postAttachCommand', postCreateCommand: 'x', postAttachCommand: 'y' })).after).toEqual([]);
  });

  it('reads an unreadable or missing label as no entries', () => {
    expect(lifecyclePlan(undefined)).toEqual({ waitFor: 'updateContentCommand', after: [] });
    expect(lifecyclePlan('{not json')).toEqual({ waitFor: 'updateContentCommand', after: [] });
    expect(lifecyclePlan(JSON.stringify({ postCreateCommand: 'x' })).after).toEqual(['postCreateCommand']);
  });
});
