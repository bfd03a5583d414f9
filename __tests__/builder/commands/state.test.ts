import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { legacyStateFile, readState, stateFile, writeState, type BuilderState } from '../../../builder/commands/state.js';
import { upCommand } from '../../../builder/commands/up.js';
import { replay, World } from './harness.js';

const state = (workspaceFolder: string, extra: Partial<BuilderState> = {}): BuilderState => ({
  version: 1,
  workspaceFolder,
  fingerprint: { format: 2, container: 'sha256:c', lifecycle: 'sha256:l' },
  containerId: 'c0ffee',
  remoteUser: 'vscode',
  remoteWorkspaceFolder: `/workspaces/${path.basename(workspaceFolder)}`,
  fallback: false,
  ownedBy: 'vscode',
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...extra,
});

describe('builder state, one file per workspace folder', () => {
  const dirs: string[] = [];
  const stateDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'builder-state-'));
    dirs.push(dir);
    return path.join(dir, '.devcontainer-builder');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('issue 13.2: keeps what was recorded in the container, and drops an unreadable record so everything is written again', async () => {
    const dir = stateDir();
    const records = { containerId: 'c0ffee', info: 'sha256:i', extensions: { input: 'sha256:e', list: ['a.b'] } };
    await writeState(dir, state('/workspaces/a', { records }));
    expect((await readState(dir, '/workspaces/a'))?.records).toEqual(records);
    for (const broken of [{ containerId: 1 }, { containerId: 'c', extensions: { input: 'x', list: [1] } }, 'text']) {
      const file = stateFile(dir, '/workspaces/a');
      writeFileSync(file, JSON.stringify({ ...state('/workspaces/a'), records: broken }));
      const read = await readState(dir, '/workspaces/a');
      expect(read).toMatchObject({ containerId: 'c0ffee' });
      expect(read?.records).toBeUndefined();
    }
  });

  it('issue 10.5: A → B → A keeps A\'s record', async () => {
    const dir = stateDir();
    await writeState(dir, state('/workspaces/a', { containerId: 'aaa' }));
    await writeState(dir, state('/workspaces/b', { containerId: 'bbb' }));
    expect(await readState(dir, '/workspaces/a')).toMatchObject({ workspaceFolder: '/workspaces/a', containerId: 'aaa' });
    expect(await readState(dir, '/workspaces/b/')).toMatchObject({ workspaceFolder: '/workspaces/b', containerId: 'bbb' });
    expect(await readState(dir, '/workspaces/c')).toBeUndefined();
    expect(readdirSync(path.join(dir, 'workspaces')).sort()).toEqual([path.basename(stateFile(dir, '/workspaces/a')), path.basename(stateFile(dir, '/workspaces/b'))].sort());
  });

  it('names the file for people and keeps folders of the same name apart', () => {
    expect(path.basename(stateFile('/s', '/workspaces/my repo'))).toMatch(/^my_repo-[0-9a-f]{16}\.json$/);
    expect(stateFile('/s', '/x/repo')).not.toBe(stateFile('/s', '/y/repo'));
    expect(stateFile('/s', '/x/repo/')).toBe(stateFile('/s', '/x/repo'));
  });

  it('issue 10.5: migrates the legacy state.json to the folder it names, and only to it', async () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true });
    const legacy = { ...state('/workspaces/a', { containerId: 'old' }), fingerprint: 'sha256:format1' };
    writeFileSync(legacyStateFile(dir), JSON.stringify(legacy));
    expect(await readState(dir, '/workspaces/b')).toBeUndefined();
    expect(await readState(dir, '/workspaces/a')).toEqual(legacy);

    // Writing another folder's state leaves A's legacy record in place…
    await writeState(dir, state('/workspaces/b'));
    expect(existsSync(legacyStateFile(dir))).toBe(true);
    expect(await readState(dir, '/workspaces/a')).toMatchObject({ containerId: 'old', fingerprint: 'sha256:format1' });
    // …writing A's moves it.
    await writeState(dir, state('/workspaces/a', { containerId: 'new' }));
    expect(existsSync(legacyStateFile(dir))).toBe(false);
    expect(await readState(dir, '/workspaces/a')).toMatchObject({ containerId: 'new' });
  });

  it('treats unreadable files as no state and drops an unreadable fingerprint (the container is kept)', async () => {
    const dir = stateDir();
    mkdirSync(path.join(dir, 'workspaces'), { recursive: true });
    writeFileSync(stateFile(dir, '/workspaces/a'), '{ not json');
    expect(await readState(dir, '/workspaces/a')).toBeUndefined();
    writeFileSync(stateFile(dir, '/workspaces/a'), JSON.stringify({ ...state('/workspaces/a'), fingerprint: { format: 2 } }));
    const read = await readState(dir, '/workspaces/a');
    expect(read).toMatchObject({ containerId: 'c0ffee' });
    expect(read && 'fingerprint' in read).toBe(false);
  });

  it('writes atomically: no temporary file is left', async () => {
    const dir = stateDir();
    await writeState(dir, state('/workspaces/a'));
    expect(readdirSync(path.join(dir, 'workspaces')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(readFileSync(stateFile(dir, '/workspaces/a'), 'utf8'))).toEqual(state('/workspaces/a'));
  });
});

describe('upCommand across repositories', () => {
  let worlds: World[] = [];
  afterEach(() => {
    for (const w of worlds) w.remove();
    worlds = [];
  });

  it('issue 10.5: switching the repository A → B → A does not recreate A\'s unchanged container', async () => {
    // B first: its constructor points the fakes at its scenario, A's then takes over.
    const b = new World({ image: 'ubuntu', remoteUser: 'vscode' });
    const a = new World({ image: 'debian', remoteUser: 'vscode' });
    worlds = [a, b];
    const rules = [replay('up', 'success'), { tool: 'devcontainer' as const, args: ['run-user-commands'], stdout: '{"outcome":"success"}' }];
    const toB = { DEVCONTAINER_REPOSITORY: `file://${b.repo}`, DEVCONTAINER_WORKSPACE_FOLDER: path.join(a.workspaces, 'other') };
    const removedOnUp = () => a.recordedCalls().find((c) => c.args[0] === 'up')!.args.includes('--remove-existing-container');

    a.script(rules);
    await upCommand(a.context('up'));
    a.script(rules);
    await upCommand(a.context('up', toB));
    expect(removedOnUp()).toBe(false);
    a.script(rules);
    await upCommand(a.context('up'));
    expect(removedOnUp()).toBe(false);
    expect(a.sink.texts).not.toContain('The dev container configuration changed since the last build: the dev container is recreated.');
  });
});
