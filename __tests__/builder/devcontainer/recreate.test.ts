import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { checkout } from '../../../builder/steps/checkout.js';
import { devcontainerUp } from '../../../builder/steps/devcontainer-up.js';
import { BUILD_SUCCESS, World, type FakeRule } from '../commands/harness.js';

// `devcontainerUp` against the fake `devcontainer`: when it recreates the container.
const CONFIG = {
  image: 'mcr.microsoft.com/devcontainers/base:debian',
  containerEnv: { POD: '${localEnv:HOSTNAME}' },
  remoteEnv: { PATH: '${containerEnv:PATH}:/home/vscode/.local/bin' },
  remoteUser: 'vscode',
  postCreateCommand: 'npm ci',
};
const UP: FakeRule = { tool: 'devcontainer', args: ['up'], stdout: '{"outcome":"success","containerId":"c1","remoteUser":"vscode","remoteWorkspaceFolder":"/workspaces/sample"}' };

/**
 * What the real `read-configuration --id-label …` prints once the container
 * exists: `${containerEnv:…}` and `${localEnv:…}` substituted
 * (devcontainers/cli src/spec-node/devContainersSpecCLI.ts, readConfiguration:
 * `containerSubstitute` with the container's `Config.Env` when a container is found).
 */
function substitutedReadConfiguration(folder: string, hostname: string): FakeRule {
  const file = path.join(folder, '.devcontainer', 'devcontainer.json');
  const configuration = {
    ...CONFIG,
    containerEnv: { POD: hostname },
    remoteEnv: { PATH: '/usr/local/bin:/usr/bin:/bin:/home/vscode/.local/bin' },
    configFilePath: { fsPath: file, path: file, scheme: 'file' },
  };
  return { tool: 'devcontainer', args: ['read-configuration'], stdout: JSON.stringify({ configuration, workspace: { workspaceFolder: '/workspaces/sample' } }) };
}

describe('devcontainerUp: when the dev container is recreated', () => {
  let world: World;
  let sink: MemorySink;
  beforeEach(() => { sink = new MemorySink(); });
  afterEach(() => world?.remove());
  const options = () => ({ log: new Logger(sink), workspaceFolder: world.folder, rebuild: false, cacheFrom: [], timeoutMs: 60_000, devcontainerBin: 'devcontainer' });
  // A replacement is built first and never passes --remove-existing-container
  // (builder/steps/devcontainer-up.ts): per `up`, whether a build preceded it.
  const removed = () => {
    const calls = world.recordedCalls().filter((c) => c.tool === 'devcontainer' && ['build', 'up'].includes(c.args[0]!));
    expect(calls.some((c) => c.args.includes('--remove-existing-container'))).toBe(false);
    return calls.flatMap((c, i) => (c.args[0] === 'up' ? [calls[i - 1]?.args[0] === 'build'] : []));
  };

  async function prepared(config: object = CONFIG): Promise<World> {
    const w = new World(config);
    await checkout({ log: new Logger(new MemorySink()), repository: `file://${w.repo}`, folder: w.folder, timeoutMs: 60_000 });
    return w;
  }
  const edit = (change: (config: Record<string, unknown>) => Record<string, unknown>) => {
    const file = path.join(world.folder, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, JSON.stringify(change(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>), null, 2));
  };

  it('issue 10.3: a ${containerEnv:PATH} / ${localEnv:HOSTNAME} config is not recreated on the restart after its creation, in another pod', async () => {
    world = await prepared();
    world.script([UP, BUILD_SUCCESS]); // first start: no container yet, read-configuration prints the file as written
    const first = await devcontainerUp(options());
    // Restarts in other pods, with the container existing: the CLI would substitute.
    world.script([UP, BUILD_SUCCESS, substitutedReadConfiguration(world.folder, 'pod-b-1')]);
    const second = await devcontainerUp({ ...options(), previousFingerprint: first.fingerprint });
    expect(removed()).toEqual([false]);
    world.script([UP, BUILD_SUCCESS, substitutedReadConfiguration(world.folder, 'pod-c-2')]);
    const third = await devcontainerUp({ ...options(), previousFingerprint: second.fingerprint });
    expect(removed()).toEqual([false]);
    expect(third.fingerprint).toEqual(first.fingerprint);
    // issue 13: the configuration is read without the CLI.
    expect(world.recordedCalls().some((c) => c.args[0] === 'read-configuration')).toBe(false);
  });

  it('issue 10.4: remoteEnv and a reformat keep the container; runArgs recreates it', async () => {
    world = await prepared();
    world.script([UP, BUILD_SUCCESS]);
    let previous = (await devcontainerUp(options())).fingerprint;
    edit((c) => ({ ...c, remoteEnv: { PATH: '${containerEnv:PATH}:/opt/bin' }, remoteUser: 'vscode' }));
    world.script([UP, BUILD_SUCCESS]);
    let result = await devcontainerUp({ ...options(), previousFingerprint: previous });
    expect(removed()).toEqual([false]);
    previous = result.fingerprint;

    edit((c) => ({ ...c, runArgs: ['--shm-size=1g'] }));
    world.script([UP, BUILD_SUCCESS]);
    result = await devcontainerUp({ ...options(), previousFingerprint: previous });
    expect(removed()).toEqual([true]);
    expect(sink.texts).toContain('The dev container configuration changed since the last build: the dev container is recreated.');
  });

  it('issue 10.4: a postCreateCommand-only edit keeps the container and says it takes effect with the rebuild parameter, on every start until then', async () => {
    world = await prepared();
    world.script([UP, BUILD_SUCCESS]);
    const first = await devcontainerUp(options());
    edit((c) => ({ ...c, postCreateCommand: 'npm ci && npm run build' }));
    world.script([UP, BUILD_SUCCESS]);
    const second = await devcontainerUp({ ...options(), previousFingerprint: first.fingerprint });
    expect(removed()).toEqual([false]);
    const warnings = () => sink.lines.filter((l) => l.level === 'warn' && l.text.includes('takes effect when you restart the workspace with the rebuild parameter'));
    expect(warnings()).toHaveLength(1);
    world.script([UP, BUILD_SUCCESS]);
    await devcontainerUp({ ...options(), previousFingerprint: second.fingerprint });
    expect(warnings()).toHaveLength(2);
  });

  it('issue 10.3: the first start after the upgrade keeps a container recorded with the old fingerprint format', async () => {
    world = await prepared();
    world.script([UP, BUILD_SUCCESS]);
    const result = await devcontainerUp({ ...options(), previousFingerprint: 'sha256:0000000000000000000000000000000000000000000000000000000000000000' });
    expect(removed()).toEqual([false]);
    expect(result.fingerprint).toMatchObject({ format: 2 });
    expect(sink.lines.some((l) => l.level === 'info' && l.text.includes('older format'))).toBe(true);
  });

  it('issue 10.3: a syntax error in devcontainer.json is logged with file, line and column, and the container is kept', async () => {
    world = await prepared();
    world.script([UP, BUILD_SUCCESS]);
    const first = await devcontainerUp(options());
    const file = path.join(world.folder, '.devcontainer', 'devcontainer.json');
    writeFileSync(file, '{\n  "image": "debian"\n  "remoteUser": "vscode"\n}\n');
    world.script([UP, BUILD_SUCCESS]);
    const result = await devcontainerUp({ ...options(), previousFingerprint: first.fingerprint });
    expect(removed()).toEqual([false]);
    // The container is still what it was made from.
    expect(result.fingerprint).toEqual(first.fingerprint);
    const warning = sink.lines.find((l) => l.level === 'warn' && l.text.startsWith(`${file}:3:3: syntax error in devcontainer.json: expected "," or "}"`));
    expect(warning?.text).toContain('the existing dev container is kept');
    // With rebuild the container is replaced (built first) even though nothing changed.
    world.script([UP, BUILD_SUCCESS]);
    await devcontainerUp({ ...options(), rebuild: true, previousFingerprint: first.fingerprint });
    expect(removed()).toEqual([true]);
  });
});
