import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { upCommand } from '../../../builder/commands/up.js';
import { readState } from '../../../builder/commands/state.js';
import { DevcontainerUpError } from '../../../builder/errors.js';
import { ownershipScript } from '../../../builder/steps/ownership.js';
import { BUILD_SUCCESS, replay, World } from './harness.js';

const SUCCESS_RULES = [
  replay('up', 'success'),
  { tool: 'devcontainer' as const, args: ['run-user-commands'], stdout: '{"outcome":"success"}' },
  BUILD_SUCCESS,
];

describe('upCommand with fake docker and devcontainer', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('fresh clone: up without lifecycle, chown to the remote user, lifecycle, state written', async () => {
    world = new World();
    world.script(SUCCESS_RULES);
    const outcome = await upCommand(world.context('up'));

    const calls = world.recordedCalls();
    const up = calls.find((c) => c.tool === 'devcontainer' && c.args[0] === 'up')!;
    expect(up.args).toEqual(expect.arrayContaining(['--workspace-folder', world.folder, '--id-label', `devcontainer-builder.workspace=${world.folder}`, '--log-format', 'json', '--skip-post-create']));
    expect(up.args).not.toContain('--remove-existing-container');
    expect(up.args).not.toContain('--cache-to');
    const isChown = (c: { args: string[] }) => c.args.includes(ownershipScript());
    const order = calls.map((c) => `${c.tool} ${c.args[0]}${isChown(c) ? ' chown' : ''}`);
    expect(order.indexOf('docker exec chown')).toBeGreaterThan(order.indexOf('devcontainer up'));
    expect(order.indexOf('devcontainer run-user-commands')).toBeGreaterThan(order.indexOf('docker exec chown'));
    expect(calls.find(isChown)!.args).toEqual(['exec', '-u', 'root', expect.stringMatching(/^[0-9a-f]{64}$/), 'sh', '-c', ownershipScript(), 'sh', '/workspaces/success', 'vscode:']);

    const state = await readState(path.join(world.workspaces, '.devcontainer-builder'), world.folder);
    expect(state).toMatchObject({ containerId: outcome.state.containerId, remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/success', fallback: false, ownedBy: 'vscode' });
    expect(state?.fingerprint).toMatchObject({ format: 2, container: expect.stringMatching(/^sha256:/), lifecycle: expect.stringMatching(/^sha256:/) });
    expect(world.sink.texts.some((t) => t.startsWith('Timing: checkout '))).toBe(true);
    expect(world.sink.texts).toContain('Cache: no cache to read from; not writing one (DEVCONTAINER_CACHE_TO is not set).');
  });

  it('restart: one up with lifecycle, no chown; a changed configuration or DEVCONTAINER_REBUILD recreates the container', async () => {
    world = new World();
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));

    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));
    let calls = world.recordedCalls();
    let up = calls.find((c) => c.args[0] === 'up')!;
    expect(up.args).not.toContain('--skip-post-create');
    expect(up.args).not.toContain('--remove-existing-container');
    expect(calls.some((c) => c.args.includes(ownershipScript()))).toBe(false);
    expect(calls.some((c) => c.args[0] === 'run-user-commands')).toBe(false);
    expect(calls.some((c) => c.args[0] === 'build')).toBe(false);

    const file = path.join(world.folder, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), containerEnv: { A: '1' } }));
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));
    // Build before replace: the new image first, then the container.
    const devcontainer = world.recordedCalls().filter((c) => c.tool === 'devcontainer' && c.args[0] !== 'read-configuration');
    expect(devcontainer.map((c) => c.args[0])).toEqual(['build', 'up']);
    // Never --remove-existing-container (builder/steps/replacement.ts keeps the old one aside).
    expect(devcontainer[1]!.args).not.toContain('--remove-existing-container');
    expect(world.sink.texts).toContain('The dev container configuration changed since the last build: the dev container is recreated.');

    world.script(SUCCESS_RULES);
    await upCommand(world.context('up', { DEVCONTAINER_REBUILD: 'true' }));
    calls = world.recordedCalls();
    up = calls.find((c) => c.args[0] === 'up')!;
    expect(calls.map((c) => c.args[0])).toContain('build');
    expect(up.args).toContain('--skip-post-create');
    expect(up.args).not.toContain('--remove-existing-container');
  });

  it('issue 13.2: an unchanged restart reads no configuration and writes nothing into the container; a changed devcontainer.json is read and recorded again', async () => {
    world = new World();
    world.script(SUCCESS_RULES);
    const first = await upCommand(world.context('up'));
    let calls = world.recordedCalls();
    expect(calls.filter((c) => c.args[0] === 'read-configuration')).toHaveLength(1);
    // Info and VS Code record: one exec (the chown is another).
    const recordExecs = (list: typeof calls) => list.filter((c) => c.tool === 'docker' && c.args[0] === 'exec' && c.args.includes('-i') && !c.args.includes(ownershipScript()));
    expect(recordExecs(calls)).toHaveLength(1);
    expect(recordExecs(calls)[0]!.stdin).toContain('/usr/local/share/devcontainer-builder/info/name');
    expect(recordExecs(calls)[0]!.stdin).toContain('/usr/local/share/devcontainer-builder/vscode/extensions.json');
    expect(first.state.records).toMatchObject({ containerId: first.state.containerId, info: expect.stringMatching(/^sha256:/), extensions: { input: expect.stringMatching(/^sha256:/) } });
    // No cache to write: no buildx probe.
    expect(calls.some((c) => c.args[0] === 'buildx')).toBe(false);

    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));
    calls = world.recordedCalls();
    expect(calls.filter((c) => c.args[0] === 'read-configuration')).toEqual([]);
    expect(calls.filter((c) => c.tool === 'docker' && (c.args[0] === 'exec' || (c.args[0] === 'inspect' && c.args.includes('{{.Config.Image}}'))))).toEqual([]);

    // customizations do not recreate the container, but the record must follow them.
    const file = path.join(world.folder, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), customizations: { vscode: { extensions: ['a.b'] } } }));
    world.script(SUCCESS_RULES);
    const edited = await upCommand(world.context('up'));
    calls = world.recordedCalls();
    expect(edited.state.containerId).toBe(first.state.containerId);
    expect(calls.filter((c) => c.args[0] === 'read-configuration')).toHaveLength(1);
    expect(recordExecs(calls)).toHaveLength(1);
    expect(recordExecs(calls)[0]!.stdin).not.toContain('/info/name');
    expect(recordExecs(calls)[0]!.stdin).toContain('/vscode/extensions.json');
    expect(edited.state.records?.extensions?.input).not.toBe(first.state.records?.extensions?.input);
  });

  it('passes cache images and, with the docker buildx driver, exports the cache inline and pushes the built image', async () => {
    world = new World();
    const buildEvents = [
      '{"type":"start","level":3,"timestamp":1000,"text":"Run: docker buildx build --load -t vsc-sample-123 ."}',
      '{"type":"stop","level":3,"timestamp":4000,"text":"Run: docker buildx build --load -t vsc-sample-123 .","startTimestamp":1000}',
    ].join('\n');
    world.script([
      { tool: 'docker', args: ['buildx', 'version'], stdout: 'github.com/docker/buildx v0.17.1' },
      { tool: 'docker', args: ['buildx', 'inspect'], stdout: 'Name: default\nDriver: docker\n' },
      { tool: 'docker', args: ['inspect', '--format'], stdout: 'vsc-sample-123' },
      { tool: 'devcontainer', args: ['up'], stderr: buildEvents, stdout: '{"outcome":"success","containerId":"c0ffee","remoteUser":"root","remoteWorkspaceFolder":"/workspaces/sample"}' },
      { tool: 'devcontainer', args: ['run-user-commands'], stdout: '{"outcome":"success"}' },
    ]);
    const outcome = await upCommand(world.context('up', { DEVCONTAINER_CACHE_FROM: 'reg.example/cache,reg.example/other', DEVCONTAINER_CACHE_TO: 'reg.example/cache' }));
    const calls = world.recordedCalls();
    const up = calls.find((c) => c.args[0] === 'up')!;
    expect(up.args.join(' ')).toContain('--cache-from type=registry,ref=reg.example/cache --cache-from type=registry,ref=reg.example/other');
    // The docker driver exports inline cache only (builder/devcontainer/cache.ts).
    expect(up.args.join(' ')).toContain('--cache-to type=inline');
    expect(calls.filter((c) => c.tool === 'docker').map((c) => c.args.join(' '))).toEqual(expect.arrayContaining(['tag vsc-sample-123 reg.example/cache', 'push reg.example/cache']));
    expect(outcome.timings.build).toBe(3000);
    // root needs no chown
    expect(calls.some((c) => c.args.includes(ownershipScript()))).toBe(false);
  });

  it('issue 11.4: a Dockerfile cold build pulls the cache images itself with DOCKER_CONFIG before the CLI runs; a plain restart pulls nothing', async () => {
    world = new World({ build: { dockerfile: 'Dockerfile' }, remoteUser: 'root' }, { '.devcontainer/Dockerfile': 'FROM debian\nRUN true\n' });
    const dockerConfig = path.join(world.dir, 'docker-config');
    mkdirSync(dockerConfig);
    writeFileSync(path.join(dockerConfig, 'config.json'), '{"auths":{"reg.example":{"auth":"Ym90OnNlY3JldC1wYXNzd29yZA=="}}}');
    const rules = [
      { tool: 'docker' as const, args: ['pull'], stdout: 'pulled' },
      { tool: 'devcontainer' as const, args: ['up'], stdout: '{"outcome":"success","containerId":"c0ffee","remoteUser":"root","remoteWorkspaceFolder":"/workspaces/sample"}' },
      { tool: 'devcontainer' as const, args: ['run-user-commands'], stdout: '{"outcome":"success"}' },
    ];
    const env = { DEVCONTAINER_CACHE_FROM: 'reg.example/cache', DOCKER_CONFIG: dockerConfig };
    world.script(rules);
    await upCommand(world.context('up', env));
    let calls = world.recordedCalls();
    const pull = calls.findIndex((c) => c.tool === 'docker' && c.args[0] === 'pull');
    expect(calls[pull]).toMatchObject({ args: ['pull', 'reg.example/cache'], secretEnv: ['DOCKER_CONFIG'] });
    expect(pull).toBeLessThan(calls.findIndex((c) => c.tool === 'devcontainer' && c.args[0] === 'up'));
    expect(calls.filter((c) => c.tool === 'devcontainer').every((c) => c.secretEnv.length === 0)).toBe(true);

    world.script(rules);
    await upCommand(world.context('up', env));
    calls = world.recordedCalls();
    expect(calls.some((c) => c.tool === 'devcontainer' && c.args[0] === 'up')).toBe(true);
    expect(calls.some((c) => c.args[0] === 'pull')).toBe(false);
  });

  it('issue 11.4: no child gets the tokens, the init script or the registry credentials; only the cache push gets DOCKER_CONFIG', async () => {
    world = new World();
    // In the pod these are the builder's own environment (the template sets them on the container).
    const secrets = { CODER_AGENT_TOKEN: 'agent-token-0123', GH_TOKEN: 'ghp_0123456789', CODER_INIT_SCRIPT: '#!/bin/sh\nexit 0\n', DOCKER_CONFIG: '/var/run/docker-config' };
    const saved = { ...process.env };
    Object.assign(process.env, secrets);
    try {
      world.script([
        { tool: 'docker', args: ['buildx', 'version'], stdout: 'github.com/docker/buildx v0.17.1' },
        { tool: 'docker', args: ['buildx', 'inspect'], stdout: 'Name: default\nDriver: docker\n' },
        { tool: 'docker', args: ['inspect', '--format'], stdout: 'vsc-sample-123' },
        { tool: 'devcontainer', args: ['up'], stderr: '{"type":"start","level":3,"timestamp":1000,"text":"Run: docker buildx build"}\n{"type":"stop","level":3,"timestamp":2000,"text":"Run: docker buildx build","startTimestamp":1000}', stdout: '{"outcome":"success","containerId":"c0ffee","remoteUser":"root","remoteWorkspaceFolder":"/workspaces/sample"}' },
        { tool: 'devcontainer', args: ['run-user-commands'], stdout: '{"outcome":"success"}' },
      ]);
      await upCommand(world.context('up', { ...secrets, DEVCONTAINER_CACHE_TO: 'reg.example/cache' }));
    } finally {
      process.env = saved;
    }
    const calls = world.recordedCalls();
    expect(calls.filter((c) => c.tool === 'devcontainer').length).toBeGreaterThan(0);
    for (const call of calls) {
      const expected = call.tool === 'docker' && call.args[0] === 'push' ? ['DOCKER_CONFIG'] : [];
      expect({ call: `${call.tool} ${call.args.slice(0, 2).join(' ')}`, secretEnv: call.secretEnv }).toEqual({ call: `${call.tool} ${call.args.slice(0, 2).join(' ')}`, secretEnv: expected });
    }
    expect(calls.some((c) => c.tool === 'docker' && c.args[0] === 'push')).toBe(true);
  });

  it('fails naming postCreateCommand and its last output lines when no dev container is left', async () => {
    world = new World();
    world.script([replay('up', 'success'), replay('run-user-commands', 'run-user-commands-failure')]);
    const error = await upCommand(world.context('up')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevcontainerUpError);
    const upError = error as DevcontainerUpError;
    expect(upError.message).toBe("The dev container's postCreateCommand failed: postCreateCommand from devcontainer.json failed.");
    expect(upError.lastLines).toContain('npm ERR! missing script: setup');
    expect(await readState(path.join(world.workspaces, '.devcontainer-builder'), world.folder)).toBeUndefined();
  });

  it('fails naming the image build', async () => {
    world = new World();
    world.script([replay('up', 'build-failure')]);
    const error = (await upCommand(world.context('up')).catch((e: unknown) => e)) as DevcontainerUpError;
    expect(error.message).toBe('The dev container image build failed: An error occurred building the image.');
    expect(error.lastLines).toContain('E: Unable to locate package nope');
  });

  it('with DEVCONTAINER_FALLBACK_IMAGE and no dev container: starts the recovery container, says so loudly, and the next up rebuilds', async () => {
    world = new World();
    world.containers([world.container('01d', { fallback: true, created: '2026-01-01T00:00:00Z' })]);
    world.script([replay('up', 'build-failure'), { tool: 'docker', args: ['run'], stdout: 'fa11bac' }]);
    const outcome = await upCommand(world.context('up', { DEVCONTAINER_FALLBACK_IMAGE: 'debian:bookworm' }));
    expect(outcome.fallback).toBe(true);
    const calls = world.recordedCalls().filter((c) => c.tool === 'docker').map((c) => c.args);
    expect(calls).toContainEqual(['rm', '-f', '01d000000000']);
    const runArgs = calls.find((a) => a[0] === 'run')!;
    expect(runArgs).toEqual(expect.arrayContaining([
      '--label', `devcontainer-builder.workspace=${world.folder}`, '--label', 'devcontainer-builder.fallback=true',
      '--mount', `type=bind,source=${world.folder},target=/workspaces/sample`, 'debian:bookworm',
    ]));
    expect(world.sink.lines.some((l) => l.level === 'error' && l.text.includes('RECOVERY container (debian:bookworm)'))).toBe(true);
    expect(await readState(path.join(world.workspaces, '.devcontainer-builder'), world.folder)).toMatchObject({ containerId: 'fa11bac', fallback: true, remoteWorkspaceFolder: '/workspaces/sample' });

    world.script(SUCCESS_RULES);
    await upCommand(world.context('up', { DEVCONTAINER_FALLBACK_IMAGE: 'debian:bookworm' }));
    const devcontainer = world.recordedCalls().filter((c) => c.tool === 'devcontainer' && c.args[0] !== 'read-configuration');
    expect(devcontainer.map((c) => c.args[0])).toEqual(['build', 'up', 'run-user-commands']);
    expect(devcontainer[1]!.args).toContain('--skip-post-create');
    expect(devcontainer[1]!.args).not.toContain('--remove-existing-container');
  });

  it('fails with a clear message when the repository has no dev container configuration', async () => {
    world = new World();
    world.script(SUCCESS_RULES);
    await upCommand(world.context('up'));
    rmSync(path.join(world.folder, '.devcontainer'), { recursive: true });
    world.script(SUCCESS_RULES);
    const error = (await upCommand(world.context('up')).catch((e: unknown) => e)) as DevcontainerUpError;
    expect(error).toBeInstanceOf(DevcontainerUpError);
    expect(error.message).toContain('add .devcontainer/devcontainer.json');
  });
});
