// Issue 13.3: `up` stops after waitFor, `agent` runs the rest in the background.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCommand } from '../../../builder/commands/agent.js';
import { readState, writeState, type BuilderState } from '../../../builder/commands/state.js';
import { upCommand } from '../../../builder/commands/up.js';
import { runCommand } from '../../../builder/commands/run.js';
import { AgentError } from '../../../builder/errors.js';
import { BUILD_SUCCESS, replay, World, type FakeRule } from './harness.js';

// The container of the recorded `up` (__tests__/fixtures/devcontainer-up/success).
const RECORDED_ID = '73839a54b34113c0224953d6dbf894cb020a348f65db28866648329f13a22192';
const SHORT = 'abc123def456';

/** `docker inspect <id>` of a container whose devcontainer.metadata label holds these entries. */
function inspected(id: string, ...entries: object[]): FakeRule {
  return { tool: 'docker', args: ['inspect', id], stdout: JSON.stringify([{ Id: id, Config: { Labels: { 'devcontainer.metadata': JSON.stringify(entries) } } }]) };
}

const FOUND: FakeRule[] = [
  { tool: 'docker', args: ['ps'], stdout: `${SHORT}\n` },
  { tool: 'docker', args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'true' },
];
const RUC_SUCCESS: FakeRule = { tool: 'devcontainer', args: ['run-user-commands'], stdout: '{"outcome":"success","result":"done"}' };
const stateDir = (world: World) => path.join(world.workspaces, '.devcontainer-builder');

async function upRan(world: World, extra: Partial<BuilderState> = {}): Promise<void> {
  await writeState(stateDir(world), {
    version: 1, workspaceFolder: world.folder, containerId: SHORT, remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/sample', fallback: false, updatedAt: new Date().toISOString(),
    lifecycle: { waitFor: 'updateContentCommand', pending: ['postCreateCommand', 'postStartCommand'] },
    ...extra,
  });
}

const isRuc = (c: { tool: string; args: string[] }) => c.tool === 'devcontainer' && c.args[0] === 'run-user-commands';
const isAgentExec = (c: { tool: string; args: string[] }) => c.tool === 'devcontainer' && c.args[0] === 'exec';

describe('issue 13.3: users in before the lifecycle ends', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('up: up and run-user-commands stop after waitFor; what is left is recorded for the agent', async () => {
    world = new World({ image: 'debian', remoteUser: 'vscode', postCreateCommand: 'sleep 30' });
    world.script([replay('up', 'success'), RUC_SUCCESS, BUILD_SUCCESS, inspected(RECORDED_ID, { postCreateCommand: 'sleep 30' })]);
    await upCommand(world.context('up'));
    const calls = world.recordedCalls();
    const up = calls.find((c) => c.tool === 'devcontainer' && c.args[0] === 'up')!;
    expect(up.args).toEqual(expect.arrayContaining(['--skip-post-create', '--skip-non-blocking-commands']));
    expect(calls.find(isRuc)!.args).toContain('--skip-non-blocking-commands');
    const state = await readState(stateDir(world), world.folder);
    expect(state?.lifecycle).toEqual({ waitFor: 'updateContentCommand', pending: ['postCreateCommand'] });
    expect(world.sink.texts).toContain('After waitFor (updateContentCommand) the agent starts; postCreateCommand then runs in the background.');

    // A restart of the same container after its background run ended: only start-time commands are left,
    // so a configuration with just a postCreateCommand leaves nothing (no CLI run in the background).
    await writeState(stateDir(world), { ...state!, lifecycle: { ...state!.lifecycle!, ran: { outcome: 'success', at: new Date().toISOString() } } });
    world.script([replay('up', 'success'), RUC_SUCCESS, inspected(RECORDED_ID, { postCreateCommand: 'sleep 30', postStartCommand: 'echo start' })]);
    await upCommand(world.context('up'));
    const restartUp = world.recordedCalls().find((c) => c.tool === 'devcontainer' && c.args[0] === 'up')!;
    expect(restartUp.args).toContain('--skip-non-blocking-commands');
    expect(restartUp.args).not.toContain('--skip-post-create');
    expect((await readState(stateDir(world), world.folder))?.lifecycle).toEqual({ waitFor: 'updateContentCommand', pending: ['postStartCommand'] });
  });

  it('up: the last stop interrupted postCreateCommand: the next start says the CLI will not run it again', async () => {
    world = new World();
    world.script([replay('up', 'success'), RUC_SUCCESS, BUILD_SUCCESS, inspected(RECORDED_ID, { postCreateCommand: 'x' })]);
    await upCommand(world.context('up'));
    const state = (await readState(stateDir(world), world.folder))!;
    await writeState(stateDir(world), { ...state, lifecycle: { ...state.lifecycle!, ran: { outcome: 'interrupted', command: 'postCreateCommand', at: new Date().toISOString() } } });
    world.script([replay('up', 'success'), RUC_SUCCESS, inspected(RECORDED_ID, { postCreateCommand: 'x' })]);
    await upCommand(world.context('up'));
    expect(world.sink.lines.some((l) => l.level === 'warn' && l.text.startsWith('The last stop interrupted the lifecycle commands (postCreateCommand). The Dev Containers CLI marks postCreateCommand as done'))).toBe(true);
  });

  it('agent: starts the agent first, then runs the rest once in the background, also across agent restarts', async () => {
    world = new World();
    await upRan(world);
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], stderr: 'agent died', exit: 1 }, { tool: 'docker', args: ['exec', '-i'], exit: 1 }, RUC_SUCCESS]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [10, 10, 10] })).rejects.toThrow(AgentError);
    const calls = world.recordedCalls();
    const rucs = calls.filter(isRuc);
    expect(rucs).toHaveLength(1);
    // Started after the agent (the builder's own order of spawns; the fakes log their calls as they come up).
    const runs = world.sink.texts.filter((t) => t.startsWith('Run: devcontainer '));
    expect(runs.findIndex((t) => t.startsWith('Run: devcontainer run-user-commands'))).toBeGreaterThan(runs.findIndex((t) => t.startsWith('Run: devcontainer exec')));
    // Everything that is left: no --skip-non-blocking-commands, the recorded container.
    expect(rucs[0]!.args).not.toContain('--skip-non-blocking-commands');
    expect(rucs[0]!.args).toEqual(expect.arrayContaining(['--container-id', SHORT, '--workspace-folder', world.folder]));
    expect(world.sink.texts).toContain('▶ Lifecycle commands after waitFor (updateContentCommand) in the background (the workspace is usable meanwhile): postCreateCommand, postStartCommand');
    const state = await readState(stateDir(world), world.folder);
    expect(state?.lifecycle?.ran).toMatchObject({ outcome: 'success' });

    // A new agent process (Kubernetes restarted the container) does not run them again.
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], exit: 1 }, RUC_SUCCESS]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    expect(world.recordedCalls().some(isRuc)).toBe(false);
  });

  it('agent: a failing postCreateCommand is a warning naming it and how to rerun; the agent keeps running', async () => {
    world = new World();
    await upRan(world);
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], untilSignal: true }, replay('run-user-commands', 'run-user-commands-failure')]);
    const controller = new AbortController();
    const running = agentCommand(world.context('agent', {}, controller.signal), { restartDelaysMs: [10] });
    for (let i = 0; i < 300 && (await readState(stateDir(world), world.folder))?.lifecycle?.ran === undefined; i++) await sleep(50);
    // The agent is still the first one: not restarted, not stopped.
    expect(world.recordedCalls().filter(isAgentExec)).toHaveLength(1);
    controller.abort();
    await running;
    const warnings = world.sink.lines.filter((l) => l.level === 'warn').map((l) => l.text);
    expect(warnings).toContain("⚠ The dev container's postCreateCommand failed: postCreateCommand from devcontainer.json failed.");
    expect(warnings).toContain('  | npm ERR! missing script: setup');
    expect(warnings.some((t) => t.startsWith('⚠ The workspace keeps running without it (the Coder agent is not affected). Fix postCreateCommand in .devcontainer/devcontainer.json. The Dev Containers CLI runs it once per container'))).toBe(true);
    expect((await readState(stateDir(world), world.folder))?.lifecycle?.ran).toMatchObject({ outcome: 'failed', command: 'postCreateCommand' });
  });

  it('agent: SIGTERM during the background run stops it (bounded), records it as interrupted, then stops the container', async () => {
    world = new World();
    await upRan(world);
    const progress = '{"type":"progress","name":"Running postCreateCommand...","status":"running","stepDetail":"sleep 30","channel":"postCreate"}';
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], untilSignal: true }, { tool: 'devcontainer', args: ['run-user-commands'], stderr: progress, untilSignal: true }]);
    const controller = new AbortController();
    const running = agentCommand(world.context('agent', {}, controller.signal), { restartDelaysMs: [10] });
    // The CLI reported postCreateCommand running (CliOutput logs its progress event).
    for (let i = 0; i < 300 && !world.sink.texts.includes('postCreateCommand: sleep 30'); i++) await sleep(50);
    controller.abort();
    await running;
    expect((await readState(stateDir(world), world.folder))?.lifecycle?.ran).toMatchObject({ outcome: 'interrupted', command: 'postCreateCommand' });
    expect(world.sink.texts.some((t) => t.startsWith('⚠ The stop interrupted the lifecycle commands (postCreateCommand was running)'))).toBe(true);
    const docker = world.recordedCalls().filter((c) => c.tool === 'docker').map((c) => c.args.slice(0, 4).join(' '));
    expect(docker.at(-1)).toBe(`stop -t 10 ${SHORT}`);
  });

  it('agent: nothing runs when nothing is left, for a recovery container, or when the last run ended', async () => {
    for (const extra of [
      { lifecycle: { waitFor: 'postAttachCommand', pending: [] } },
      { fallback: true, remoteUser: 'root' },
      { lifecycle: { waitFor: 'updateContentCommand', pending: ['postCreateCommand'], ran: { outcome: 'failed' as const, command: 'postCreateCommand', at: '2026-01-01T00:00:00Z' } } },
    ]) {
      world = new World();
      await upRan(world, extra);
      world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], exit: 1 }, { tool: 'docker', args: ['exec', '-i'], exit: 1 }, RUC_SUCCESS]);
      await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
      expect(world.recordedCalls().some(isRuc)).toBe(false);
      world.remove();
    }
  });

  it('agent: a stopped container started again by up (stopping after waitFor) gets its start-time commands in the background', async () => {
    world = new World();
    await upRan(world, { containerId: RECORDED_ID, lifecycle: { waitFor: 'updateContentCommand', pending: ['postCreateCommand'], ran: { outcome: 'success', at: '2026-01-01T00:00:00Z' } } });
    world.script([
      { tool: 'docker', args: ['ps'], stdout: '73839a54b341\n' },
      { tool: 'docker', args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'false' },
      inspected(RECORDED_ID, { postCreateCommand: 'x', postStartCommand: 'y' }),
      replay('up', 'success'),
      { tool: 'devcontainer', args: ['exec'], untilSignal: true },
      RUC_SUCCESS,
    ]);
    const controller = new AbortController();
    const running = agentCommand(world.context('agent', {}, controller.signal), { restartDelaysMs: [10] });
    for (let i = 0; i < 300 && (await readState(stateDir(world), world.folder))?.lifecycle?.ran?.outcome !== 'success' || !world.recordedCalls().some(isRuc); i++) await sleep(50);
    controller.abort();
    await running;
    const calls = world.recordedCalls();
    expect(calls.find((c) => c.tool === 'devcontainer' && c.args[0] === 'up')!.args).toEqual(expect.arrayContaining(['--expect-existing-container', '--skip-non-blocking-commands']));
    expect(calls.filter(isRuc)).toHaveLength(1);
    // postCreateCommand had its run in this container: only postStartCommand is left.
    expect(world.sink.texts).toContain('▶ Lifecycle commands after waitFor (updateContentCommand) in the background (the workspace is usable meanwhile): postStartCommand');
  });

  it('run without Coder: nobody to let in early, so the rest runs before it ends', async () => {
    world = new World();
    world.script([replay('up', 'success'), RUC_SUCCESS, BUILD_SUCCESS, inspected(RECORDED_ID, { postCreateCommand: 'x' })]);
    const ctx = world.context('run', { CODER_AGENT_URL: '', CODER_AGENT_TOKEN: '' });
    await runCommand(ctx);
    const rucs = world.recordedCalls().filter(isRuc);
    expect(rucs.map((c) => c.args.includes('--skip-non-blocking-commands'))).toEqual([true, false]);
    expect(world.sink.texts).toContain('▶ Lifecycle commands after waitFor (updateContentCommand): postCreateCommand');
    expect((await readState(stateDir(world), world.folder))?.lifecycle?.ran).toMatchObject({ outcome: 'success' });
  });
});
