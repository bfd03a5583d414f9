import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readState, writeState } from '../../../builder/commands/state.js';
import { upCommand } from '../../../builder/commands/up.js';
import { remoteUserOf } from '../../../builder/steps/dev-containers.js';
import { BUILD_SUCCESS, RECORDED, replay, World, type FakeRule } from './harness.js';

/** The container the recorded successful `up` reports. */
const RECORDED_ID = '73839a54b34113c0224953d6dbf894cb020a348f65db28866648329f13a22192';
const SUCCESS_RULES: FakeRule[] = [
  replay('up', 'success'),
  { tool: 'devcontainer', args: ['run-user-commands'], stdout: '{"outcome":"success"}' },
  BUILD_SUCCESS,
];

/**
 * The recorded lifecycle failure (a real CLI 0.89.0 run) with its
 * postCreateCommand renamed postStartCommand: what a restart whose
 * postStartCommand now fails prints.
 */
function postStartFailure(world: World): FakeRule {
  const files = ['stdout.txt', 'stderr.txt'].map((name) => {
    const file = path.join(world.dir, `poststart-${name}`);
    writeFileSync(file, readFileSync(path.join(RECORDED, 'lifecycle-failure', name), 'utf8').replaceAll('postCreate', 'postStart'));
    return file;
  });
  return { tool: 'devcontainer', args: ['up'], stdoutFile: files[0], stderrFile: files[1], exit: 1 };
}

describe('issue 10: up never loses a working dev container', () => {
  let world: World;
  afterEach(() => world?.remove());
  const stateDir = () => path.join(world.workspaces, '.devcontainer-builder');
  const errors = () => world.sink.lines.filter((l) => l.level === 'error').map((l) => l.text);

  it('issue 10.1: a restart whose postStartCommand fails keeps and uses the container, never calls docker rm, and says so loudly', async () => {
    world = new World();
    world.containers([world.container(RECORDED_ID, { mountedAt: '/workspaces/success', metadata: [{ remoteUser: 'vscode' }] })]);
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));
    const before = (await readState(stateDir(), world.folder))!;

    world.script([postStartFailure(world)]);
    const outcome = await upCommand(world.context('up', { DEVCONTAINER_FALLBACK_IMAGE: 'debian:bookworm' }));

    expect(outcome).toMatchObject({ fallback: false, degraded: true });
    const docker = world.recordedCalls().filter((c) => c.tool === 'docker').map((c) => c.args[0]);
    expect(docker).not.toContain('rm');
    expect(docker).not.toContain('run');
    expect(world.containersNow().map((c) => c.Id)).toEqual([RECORDED_ID]);
    const state = await readState(stateDir(), world.folder);
    expect(state).toMatchObject({ containerId: RECORDED_ID, remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/success', fallback: false, fingerprint: before.fingerprint, ownedBy: 'vscode' });
    expect(state?.degraded).toMatchObject({ kind: 'lifecycle', reason: "The dev container's postStartCommand failed: postStartCommand from devcontainer.json failed." });
    expect(errors()).toEqual(expect.arrayContaining([
      "The dev container could not be set up: The dev container's postStartCommand failed: postStartCommand from devcontainer.json failed.",
      '  | npm ERR! missing script: setup',
      'The workspace runs the PREVIOUS dev container 73839a54b341 instead; nothing was removed.',
    ]));
  });

  it('issue 10.1 and 10.2: a changed configuration whose build fails starts the stopped old container and never replaces it', async () => {
    world = new World();
    world.containers([world.container(RECORDED_ID, { mountedAt: '/workspaces/success' })]);
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));
    const before = (await readState(stateDir(), world.folder))!;
    world.containers([world.container(RECORDED_ID, { mountedAt: '/workspaces/success', running: false })]);

    const file = path.join(world.folder, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), features: { 'ghcr.io/devcontainers/features/nope:1': {} } }));
    world.script([replay('build', 'build-failure')]);
    const outcome = await upCommand(world.context('up'));

    expect(outcome.degraded).toBe(true);
    const calls = world.recordedCalls();
    expect(calls.filter((c) => c.tool === 'devcontainer').map((c) => c.args[0])).toEqual(['build']);
    expect(calls.some((c) => c.args.includes('--remove-existing-container'))).toBe(false);
    expect(calls.filter((c) => c.tool === 'docker').map((c) => c.args.join(' '))).toContain(`start ${RECORDED_ID}`);
    expect(world.containersNow()[0]!.State.Running).toBe(true);
    // The container still runs the old configuration: the next start tries the new one again.
    expect(await readState(stateDir(), world.folder)).toMatchObject({ containerId: RECORDED_ID, fingerprint: before.fingerprint, degraded: { kind: 'build' } });
    expect(errors()).toContain('  | E: Unable to locate package nope');
  });

  it('issue 10.1: a build that times out keeps the running container as well', async () => {
    world = new World();
    world.containers([world.container(RECORDED_ID, { mountedAt: '/workspaces/success' })]);
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));
    world.script([{ tool: 'devcontainer', args: ['build'], stderr: 'Step 3/9 : RUN make world', sleepMs: 5000 }]);
    const outcome = await upCommand(world.context('up', { DEVCONTAINER_REBUILD: 'true', DEVCONTAINER_UP_TIMEOUT_SECONDS: '1' }));
    expect(outcome).toMatchObject({ fallback: false, degraded: true, state: { containerId: RECORDED_ID } });
    expect(world.recordedCalls().some((c) => c.args[0] === 'up' || c.args[0] === 'rm')).toBe(false);
    expect(errors().some((t) => t.startsWith('The dev container could not be built or started: The dev container step failed:'))).toBe(true);
  });

  it('issue 10.1: a first creation whose postCreateCommand failed keeps the new container, with the CLI\'s remoteUser from its metadata label', async () => {
    world = new World();
    world.containers([world.container(RECORDED_ID, {
      mountedAt: '/workspaces/success', user: 'app',
      metadata: [{ remoteUser: 'node' }, { containerUser: 'app' }, { remoteUser: 'vscode' }, { postCreateCommand: 'exit 3' }],
    })]);
    world.script([replay('up', 'success'), replay('run-user-commands', 'run-user-commands-failure')]);
    const outcome = await upCommand(world.context('up'));

    expect(outcome).toMatchObject({ fallback: false, degraded: true });
    const state = await readState(stateDir(), world.folder);
    expect(state).toMatchObject({ containerId: RECORDED_ID, remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/success', ownedBy: 'vscode', degraded: { kind: 'lifecycle' } });
    expect(state?.fingerprint).toMatchObject({ format: 2, container: expect.stringMatching(/^sha256:/) });
    expect(errors()).toContain('The workspace runs the dev container 73839a54b341 as far as it got instead; nothing was removed.');
  });

  it('issue 10.1: the recovery path removes only recovery containers, before up and when it starts a new one', async () => {
    world = new World();
    world.containers([
      world.container('fa11bac', { fallback: true, created: '2026-01-02T00:00:00Z' }),
      world.container('dead0', { running: false, startFails: 'driver failed programming external connectivity: port is already allocated' }),
    ]);
    await writeState(stateDir(), {
      version: 1, workspaceFolder: world.folder, containerId: 'fa11bac'.padEnd(64, '0'), remoteUser: 'root', remoteWorkspaceFolder: '/workspaces/sample', fallback: true, updatedAt: new Date().toISOString(),
    });
    world.script([replay('build', 'build-failure'), { tool: 'docker', args: ['run'], stdout: 'fa11bac2' }]);
    const outcome = await upCommand(world.context('up', { DEVCONTAINER_FALLBACK_IMAGE: 'debian:bookworm' }));

    expect(outcome.fallback).toBe(true);
    const docker = world.recordedCalls().filter((c) => c.tool === 'docker').map((c) => c.args);
    expect(docker.filter((a) => a[0] === 'rm')).toEqual([['rm', '-f', 'fa11bac00000']]);
    // The removal came before the CLI could take the recovery container for the dev container.
    const order = world.recordedCalls().map((c) => `${c.tool} ${c.args[0]}`);
    expect(order.indexOf('docker rm')).toBeLessThan(order.indexOf('devcontainer build'));
    expect(world.containersNow().map((c) => c.Id.slice(0, 5))).toEqual(['dead0']);
    expect(errors()).toContain('The existing dev container dead00000000 does not start either (it is kept): docker exited with code 1');
    expect(await readState(stateDir(), world.folder)).toMatchObject({ containerId: 'fa11bac2', fallback: true });
  });

  it('issue 10.10: passes --no-lockfile unless the repository tracks devcontainer-lock.json', async () => {
    world = new World();
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up', { DEVCONTAINER_REBUILD: 'true' }));
    const lockfileFlags = () => world.recordedCalls().filter((c) => ['up', 'build'].includes(c.args[0]!)).map((c) => `${c.args[0]} ${c.args.includes('--no-lockfile')}`);
    expect(lockfileFlags()).toEqual(['build true', 'up true']);
    world.remove();

    world = new World(undefined, { '.devcontainer/devcontainer-lock.json': '{\n  "features": {}\n}\n' });
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up', { DEVCONTAINER_REBUILD: 'true' }));
    expect(lockfileFlags()).toEqual(['build false', 'up false']);
  });
});

describe('remoteUserOf, as the Dev Containers CLI decides the user', () => {
  it('takes the last remoteUser of the metadata, else the container user, else root', () => {
    expect(remoteUserOf(JSON.stringify([{ remoteUser: 'a' }, { remoteUser: 'b' }, { containerUser: 'c' }]), 'c')).toBe('b');
    expect(remoteUserOf(JSON.stringify({ remoteUser: 'solo' }), '')).toBe('solo');
    expect(remoteUserOf(JSON.stringify([{ containerUser: 'c' }]), 'c')).toBe('c');
    expect(remoteUserOf(undefined, 'node')).toBe('node');
    expect(remoteUserOf('not json', '')).toBe('root');
  });
});
