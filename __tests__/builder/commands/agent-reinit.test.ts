// Issue 15.4: claiming a prebuilt workspace reinitializes the Coder agent in
// place. The real agent (coder/coder cli/agent.go) listens for a reinit event
// (codersdk/agentsdk WaitForReinitLoop), logs "agent received instruction to
// reinitialize", closes its agent.Agent and builds a new one in the same
// process with the same token, logging "agent reinitializing": the process,
// and so `devcontainer exec`, keeps running. `agentCommand` must neither
// start a second agent nor touch the dev container then; and should an agent
// restart itself by exiting, exactly one agent runs again.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCommand } from '../../../builder/commands/agent.js';
import { writeState } from '../../../builder/commands/state.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { World, type FakeCall } from './harness.js';

/** Coder's own log lines around a reinit (coder/coder cli/agent.go). */
const REINIT_LINES = [
  'agent is starting now',
  'agent received instruction to reinitialize workspace_id=0f1e2d3c-4b5a-4968-8776-655443322110 reason=prebuild_claimed',
  'agent reinitializing',
  'agent is starting now',
].join('\n');

async function upRan(world: World): Promise<void> {
  await writeState(path.join(world.workspaces, '.devcontainer-builder'), {
    version: 1, workspaceFolder: world.folder, containerId: 'abc123def456', remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/sample', fallback: false, updatedAt: new Date().toISOString(),
  });
}

const FOUND = [
  { tool: 'docker' as const, args: ['ps'], stdout: 'abc123def456\n' },
  { tool: 'docker' as const, args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'true' },
];

/** Calls that would disturb the dev container: stop, start, restart, rm, or another `devcontainer up`. */
const disturbing = (calls: FakeCall[]) =>
  calls.filter((c) => (c.tool === 'docker' && ['stop', 'start', 'restart', 'rm', 'kill'].includes(c.args[0] ?? '')) || (c.tool === 'devcontainer' && c.args[0] === 'up'));
const agentStarts = (calls: FakeCall[]) => calls.filter((c) => c.tool === 'devcontainer' && c.args[0] === 'exec');
const leftoverStops = (calls: FakeCall[]) => calls.filter((c) => c.tool === 'docker' && c.args.slice(0, 4).join(' ') === 'exec -u root abc123def456' && c.args.at(-1)?.includes('.devcontainer-builder-agent.pid'));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('agentCommand across a prebuild claim', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('an agent that reinitializes in place stays the only agent; the dev container is left alone', async () => {
    world = new World();
    await upRan(world);
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], stdout: REINIT_LINES, untilSignal: true }]);
    const controller = new AbortController();
    const agentOutput = new MemorySink();
    const running = agentCommand({ ...world.context('agent', {}, controller.signal), consoleLog: new Logger(agentOutput) }, { restartDelaysMs: [10, 10] });
    await until(() => agentOutput.texts.includes('agent reinitializing'), 'the reinit log line');
    // Well past the shortest restart delay: nothing else may happen.
    await sleep(500);
    const during = world.recordedCalls();
    expect(agentStarts(during)).toHaveLength(1);
    expect(disturbing(during)).toEqual([]);
    expect(world.sink.texts.some((t) => /restart \d of/.test(t))).toBe(false);
    controller.abort();
    await running;
    // Only the SIGTERM shutdown stops it (agent first, then the container).
    expect(disturbing(world.recordedCalls()).map((c) => c.args[0])).toEqual(['stop']);
  });

  it('an agent that restarts itself by exiting is started once more, after the leftover is stopped: never two agents', async () => {
    world = new World();
    await upRan(world);
    world.script([
      ...FOUND,
      { tool: 'devcontainer', args: ['exec'], stdout: REINIT_LINES, exit: 0, maxCalls: 1 },
      { tool: 'devcontainer', args: ['exec'], untilSignal: true },
    ]);
    const controller = new AbortController();
    const running = agentCommand(world.context('agent', {}, controller.signal), { restartDelaysMs: [10, 10] });
    await until(() => agentStarts(world.recordedCalls()).length === 2, 'the second agent start');
    await sleep(300);
    const calls = world.recordedCalls();
    expect(agentStarts(calls)).toHaveLength(2);
    // Before each start, the agent named in the pid file is stopped.
    const order = calls.map((c) => (agentStarts([c]).length ? 'start' : leftoverStops([c]).length ? 'stop-leftover' : undefined)).filter(Boolean);
    expect(order).toEqual(['stop-leftover', 'start', 'stop-leftover', 'start']);
    expect(disturbing(calls)).toEqual([]);
    controller.abort();
    await running;
  });
});
