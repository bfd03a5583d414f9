import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readState } from '../../../builder/commands/state.js';
import { upCommand } from '../../../builder/commands/up.js';
import { BUILD_SUCCESS, replay, World, type FakeCall, type FakeRule } from './harness.js';

/** The container the recorded successful `up` reports: the first (legacy, generation 0) dev container. */
const OLD = '73839a54b34113c0224953d6dbf894cb020a348f65db28866648329f13a22192';
const full = (id: string) => id.padEnd(64, '0');
const LIFECYCLE_OK: FakeRule = { tool: 'devcontainer', args: ['run-user-commands'], stdout: '{"outcome":"success"}' };

/** `devcontainer up` creating container `id` under the labels it is given (devContainersSpecCLI.ts, doUp: its result line). */
function upCreates(id: string, name = 'new_container'): FakeRule {
  return {
    tool: 'devcontainer', args: ['up'], creates: { Id: id, name },
    stdout: JSON.stringify({ outcome: 'success', containerId: full(id), remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/success' }),
  };
}

const idLabels = (call: FakeCall) => call.args.flatMap((a, i) => (call.args[i - 1] === '--id-label' ? [a] : []));

describe('a replacement never removes the container it replaces', () => {
  let world: World;
  afterEach(() => world?.remove());
  const stateDir = () => path.join(world.workspaces, '.devcontainer-builder');
  const errors = () => world.sink.lines.filter((l) => l.level === 'error').map((l) => l.text);
  const container = (id: string) => world.containersNow().find((c) => c.Id.startsWith(id));
  const dockerCalls = () => world.recordedCalls().filter((c) => c.tool === 'docker').map((c) => c.args.join(' '));
  const cliCall = (command: string) => world.recordedCalls().find((c) => c.tool === 'devcontainer' && c.args[0] === command)!;

  /** A workspace whose dev container was made by a builder before generations (no generation label, no `generation` in the state). */
  async function legacyWorkspace(): Promise<void> {
    world = new World();
    world.containers([world.container(OLD, { mountedAt: '/workspaces/success', metadata: [{ remoteUser: 'vscode' }], name: 'old_name' })]);
    world.script([replay('up', 'success'), LIFECYCLE_OK]);
    await upCommand(world.context('up'));
    const file = path.join(world.workspaces, '.devcontainer-builder');
    const state = (await readState(file, world.folder))!;
    expect(state.generation).toBe(0);
  }

  function changeConfiguration(value: string): void {
    const file = path.join(world.folder, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), containerEnv: { CHANGED: value } }));
  }

  it('legacy generation 0: a plain restart finds the container by the workspace label alone', async () => {
    await legacyWorkspace();
    world.script([replay('up', 'success'), LIFECYCLE_OK]);
    await upCommand(world.context('up'));
    expect(idLabels(cliCall('up'))).toEqual([`devcontainer-builder.workspace=${world.folder}`]);
  });

  it('success: the old container is stopped and kept as the backup, the new generation is recorded and used by every lookup', async () => {
    await legacyWorkspace();
    changeConfiguration('1');
    world.script([BUILD_SUCCESS, upCreates('ee1'), LIFECYCLE_OK]);
    const outcome = await upCommand(world.context('up'));

    expect(outcome.degraded).toBeUndefined();
    const up = cliCall('up');
    expect(up.args).not.toContain('--remove-existing-container');
    expect(idLabels(up)).toEqual([`devcontainer-builder.workspace=${world.folder}`, 'devcontainer-builder.generation=1']);
    // Build first, then stop (never rm) the old one, then up.
    const order = world.recordedCalls().map((c) => `${c.tool} ${c.args[0]}`).filter((c) => ['devcontainer build', 'docker stop', 'devcontainer up'].includes(c));
    expect(order).toEqual(['devcontainer build', 'docker stop', 'devcontainer up']);
    expect(dockerCalls().filter((c) => c.startsWith('rm'))).toEqual([]);
    expect(container(OLD)).toMatchObject({ State: { Running: false }, Name: '/old_name-backup-g0' });
    expect(container('ee1')?.Config.Labels).toMatchObject({ 'devcontainer-builder.generation': '1' });

    const state = (await readState(stateDir(), world.folder))!;
    expect(state).toMatchObject({ containerId: full('ee1'), generation: 1, backup: { containerId: OLD, generation: 0 } });
    expect(world.sink.texts.some((t) => t.includes(`docker cp old_name-backup-g0:/home/vscode/.`))).toBe(true);

    // The next start looks only for generation 1: the backup can never be taken for the dev container.
    world.script([upCreates('unused'), LIFECYCLE_OK]);
    await upCommand(world.context('up'));
    expect(idLabels(cliCall('up'))).toEqual([`devcontainer-builder.workspace=${world.folder}`, 'devcontainer-builder.generation=1']);
    expect(dockerCalls().filter((c) => c.startsWith('stop') || c.startsWith('rm'))).toEqual([]);
  });

  it('up fails after a good build (docker run refused): the old container starts again unchanged, the generation stays, the log says so loudly', async () => {
    await legacyWorkspace();
    const before = (await readState(stateDir(), world.folder))!;
    changeConfiguration('1');
    // As the real CLI 0.89.0 prints it (start-failure); this engine left a created, never started container.
    world.script([BUILD_SUCCESS, replay('up', 'start-failure', { creates: { Id: 'bad1', neverStarted: true } })]);
    const outcome = await upCommand(world.context('up'));

    expect(outcome).toMatchObject({ fallback: false, degraded: true });
    expect(container('bad1')).toBeUndefined();
    expect(dockerCalls()).toContain(`rm ${full('bad1')}`);
    expect(container(OLD)).toMatchObject({ State: { Running: true }, Name: '/old_name' });
    expect(dockerCalls().filter((c) => c.startsWith('rm') && c.includes(OLD))).toEqual([]);
    const state = (await readState(stateDir(), world.folder))!;
    expect(state).toMatchObject({ containerId: OLD, generation: 0, fingerprint: before.fingerprint, degraded: { kind: 'up' } });
    expect(state.backup).toBeUndefined();
    expect(errors()).toEqual(expect.arrayContaining([
      'The NEW configuration built, but its container could not start: devcontainer up failed: An error occurred setting up the container.',
      '  | docker: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /does-not-exist',
      'The new container bad100000000 never started and was removed.',
      'The workspace runs the PREVIOUS dev container 73839a54b341 instead, unchanged: your files in it are untouched.',
    ]));
  });

  it('up fails after the new container started: it is stopped and kept (never removed), the old one runs', async () => {
    await legacyWorkspace();
    changeConfiguration('1');
    world.script([BUILD_SUCCESS, replay('up', 'start-failure', { creates: { Id: 'bad2' } })]);
    const outcome = await upCommand(world.context('up'));

    expect(outcome.degraded).toBe(true);
    expect(container('bad2')).toMatchObject({ State: { Running: false } });
    expect(dockerCalls().filter((c) => c.startsWith('rm'))).toEqual([]);
    expect(container(OLD)?.State.Running).toBe(true);
    expect((await readState(stateDir(), world.folder))!).toMatchObject({ containerId: OLD, generation: 0 });

    // The next attempt takes a generation no container has yet: the kept one is never reused.
    world.script([BUILD_SUCCESS, upCreates('ee2'), LIFECYCLE_OK]);
    await upCommand(world.context('up'));
    expect(idLabels(cliCall('up'))).toContain('devcontainer-builder.generation=2');
    expect((await readState(stateDir(), world.folder))!).toMatchObject({ containerId: full('ee2'), generation: 2, backup: { containerId: OLD, generation: 0 } });
  });

  it('a second replacement removes only the older backup; a failed third keeps generation and backup', async () => {
    await legacyWorkspace();
    changeConfiguration('1');
    world.script([BUILD_SUCCESS, upCreates('ee1', 'first_new'), LIFECYCLE_OK]);
    await upCommand(world.context('up'));

    changeConfiguration('2');
    world.script([BUILD_SUCCESS, upCreates('ee2', 'second_new'), LIFECYCLE_OK]);
    await upCommand(world.context('up'));
    expect(dockerCalls().filter((c) => c.startsWith('rm'))).toEqual([`rm -f ${OLD}`]);
    expect(container(OLD)).toBeUndefined();
    expect(container('ee1')).toMatchObject({ State: { Running: false }, Name: '/first_new-backup-g1' });
    expect(container('ee2')?.State.Running).toBe(true);
    expect((await readState(stateDir(), world.folder))!).toMatchObject({ containerId: full('ee2'), generation: 2, backup: { containerId: full('ee1'), generation: 1 } });

    changeConfiguration('3');
    world.script([BUILD_SUCCESS, replay('up', 'start-failure', { creates: { Id: 'bad3', neverStarted: true } })]);
    const outcome = await upCommand(world.context('up'));
    expect(outcome.degraded).toBe(true);
    expect(dockerCalls().filter((c) => c.startsWith('rm'))).toEqual([`rm ${full('bad3')}`]);
    expect(idLabels(cliCall('up'))).toContain('devcontainer-builder.generation=3');
    expect(container('ee2')).toMatchObject({ State: { Running: true }, Name: '/second_new' });
    expect(container('ee1')).toBeDefined();
    expect((await readState(stateDir(), world.folder))!).toMatchObject({ containerId: full('ee2'), generation: 2, backup: { containerId: full('ee1'), generation: 1 } });
  });
});
