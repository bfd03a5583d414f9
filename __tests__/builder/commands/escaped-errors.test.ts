import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../builder/cli.js';
import { agentCommand } from '../../../builder/commands/agent.js';
import { stateFile } from '../../../builder/commands/state.js';
import { replay, World, type FakeRule } from './harness.js';

const SUCCESS_RULES: FakeRule[] = [replay('up', 'success'), { tool: 'devcontainer', args: ['run-user-commands'], stdout: '{"outcome":"success"}' }];

/** `devcontainer-builder run` through the real entry point (no Coder variables): exit code and everything it printed. */
async function runCli(world: World, env: Record<string, string> = {}, options: { signal?: AbortSignal; devcontainerBin?: string } = {}): Promise<{ code: number; lines: string[] }> {
  const stdout = new PassThrough();
  const chunks: string[] = [];
  stdout.on('data', (d: Buffer) => chunks.push(d.toString()));
  const full: NodeJS.ProcessEnv = { ...process.env, DEVCONTAINER_REPOSITORY: `file://${world.repo}`, DEVCONTAINER_WORKSPACES_ROOT: world.workspaces, DEVCONTAINER_CACHE_FROM: '', ...env };
  delete full.CODER_AGENT_URL;
  delete full.CODER_AGENT_TOKEN;
  const code = await main(['run'], { env: full, stdout, stderr: stdout, signal: options.signal ?? new AbortController().signal, devcontainerBin: options.devcontainerBin ?? 'devcontainer' });
  // `<ISO time> <LEVEL> <text>` (builder/log/console-sink.ts): the text only.
  return { code, lines: chunks.join('').split('\n').filter(Boolean).map((l) => l.replace(/^\S+ [A-Z ]{5} /, '')) };
}

/** The final message: the `✘` line and what follows it. */
function finalMessage(lines: readonly string[]): string[] {
  const at = lines.findIndex((l) => l.startsWith('✘ run failed'));
  expect(at).toBeGreaterThanOrEqual(0);
  return lines.slice(at);
}

// A stack frame as V8 prints it.
const STACK_FRAME = /^\s+at .+[(:]\d+/;

describe('issue 12.1: every failure that escapes a step ends in one BuilderError line naming the step, never a stack', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('a CLI timeout (no container to keep, no recovery image) names devcontainer-up, the timeout and the last lines', async () => {
    world = new World();
    world.script([{ tool: 'devcontainer', args: ['up'], stderr: 'Step 3/9 : RUN make world', sleepMs: 20_000 }]);
    const { code, lines } = await runCli(world, { DEVCONTAINER_UP_TIMEOUT_SECONDS: '2' });
    expect(code).toBe(1);
    const final = finalMessage(lines);
    expect(final[0]).toMatch(/^✘ run failed in step "devcontainer-up": The dev container step failed: devcontainer timed out after [\d.]+ (s|ms)$/);
    expect(final).toContain('  | Step 3/9 : RUN make world');
    expect(lines.some((l) => STACK_FRAME.test(l))).toBe(false);
  }, 30_000);

  it('an up timeout with DEVCONTAINER_FALLBACK_IMAGE and no dev container starts the recovery container', async () => {
    world = new World();
    world.containers([]);
    world.script([
      { tool: 'devcontainer', args: ['up'], stderr: 'Step 3/9 : RUN make world', sleepMs: 20_000 },
      { tool: 'docker', args: ['run'], stdout: 'fa11bac2' },
    ]);
    const { code, lines } = await runCli(world, { DEVCONTAINER_UP_TIMEOUT_SECONDS: '2', DEVCONTAINER_FALLBACK_IMAGE: 'debian:bookworm' });
    expect(code).toBe(0);
    expect(world.recordedCalls().filter((c) => c.tool === 'docker' && c.args[0] === 'run')).toHaveLength(1);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^The dev container could not be built: The dev container step failed: devcontainer timed out after /),
      '  | Step 3/9 : RUN make world',
    ]));
    expect(lines.some((l) => l.startsWith('Recovery container fa11bac2 is running.'))).toBe(true);
  }, 30_000);

  it('a CLI that cannot start (spawn ENOENT) names devcontainer-up and the missing program', async () => {
    world = new World();
    world.script([]);
    const missing = path.join(world.dir, 'no-such-devcontainer');
    const { code, lines } = await runCli(world, {}, { devcontainerBin: missing });
    expect(code).toBe(1);
    expect(finalMessage(lines)[0]).toBe(`✘ run failed in step "devcontainer-up": The dev container step failed: ${missing} could not start (spawn ${missing} ENOENT)`);
    expect(lines.some((l) => STACK_FRAME.test(l))).toBe(false);
  });

  it('a full volume (real ENOSPC from /dev/full) while writing the state names record-state and says to free space', async () => {
    world = new World();
    world.script(SUCCESS_RULES);
    // writeState writes `<state file>.<pid>.tmp` first: make that name lead to a device that is always full.
    const stateDir = path.join(world.workspaces, '.devcontainer-builder');
    const temporary = `${stateFile(stateDir, world.folder)}.${process.pid}.tmp`;
    mkdirSync(path.dirname(temporary), { recursive: true });
    symlinkSync('/dev/full', temporary);
    const { code, lines } = await runCli(world);
    expect(code).toBe(1);
    expect(finalMessage(lines)[0]).toBe(`✘ run failed in step "record-state": Could not record the builder state in ${stateDir}: ENOSPC: no space left on device, write; the volume is full: free space on it (or make it larger) and restart the workspace`);
    // Not a dev container failure: no recovery was attempted, and no temporary file is left.
    expect(world.recordedCalls().some((c) => c.args[0] === 'run' || c.args[0] === 'rm')).toBe(false);
    expect(readdirSync(path.dirname(temporary))).toEqual([]);
    expect(lines.some((l) => STACK_FRAME.test(l))).toBe(false);
  });

  it('a cancel (SIGTERM) during the build ends with the stop message, not a failure of a step', async () => {
    world = new World();
    world.script([{ tool: 'devcontainer', args: ['up'], untilSignal: true }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('received SIGTERM')), 1500);
    const { code, lines } = await runCli(world, {}, { signal: controller.signal });
    expect(code).toBe(1);
    expect(lines.at(-1)).toBe('run was stopped by a signal before it finished.');
    expect(lines.some((l) => l.startsWith('✘ run failed'))).toBe(false);
    expect(lines.some((l) => STACK_FRAME.test(l))).toBe(false);
  }, 30_000);
});

describe('issue 12.1: the agent\'s docker calls', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('a failing docker ps is an agent-step BuilderError with the daemon\'s words, not a raw ProcessError', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['ps'], stderr: 'Cannot connect to the Docker daemon at unix:///var/run/dind/docker.sock. Is the docker daemon running?', exit: 1 }]);
    const error = await agentCommand(world.context('agent')).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({
      name: 'BuilderError', step: 'agent', kind: 'failed', exitCode: 1,
      message: 'Could not find or start the dev container: docker exited with code 1',
      lastLines: ['Cannot connect to the Docker daemon at unix:///var/run/dind/docker.sock. Is the docker daemon running?'],
    });
  });
});

describe('issue 12.2: one deadline for all of up', () => {
  let world: World;
  afterEach(() => world?.remove());

  it('the build before a replacement and up share DEVCONTAINER_UP_TIMEOUT_SECONDS instead of getting it each', async () => {
    world = new World();
    world.script(SUCCESS_RULES);
    expect((await runCli(world)).code).toBe(0);
    world.script([
      { tool: 'devcontainer', args: ['build'], stdout: '{"outcome":"success","imageName":["vsc-sample-0123"]}', sleepMs: 3000 },
      { tool: 'devcontainer', args: ['up'], sleepMs: 30_000 },
    ]);
    const started = performance.now();
    const { code, lines } = await runCli(world, { DEVCONTAINER_REBUILD: 'true', DEVCONTAINER_UP_TIMEOUT_SECONDS: '4' });
    const elapsedMs = performance.now() - started;
    // Each call with its own 4 s would take 3 + 4 s; one deadline ends both at about 4 s.
    expect(elapsedMs).toBeLessThan(6500);
    expect(code).toBe(1);
    expect(finalMessage(lines)[0]).toMatch(/^✘ run failed in step "devcontainer-up": The dev container step failed: devcontainer timed out after /);
  }, 30_000);
});
