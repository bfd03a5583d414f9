import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { writeState } from '../../../builder/commands/state.js';
import { PASS_ENV } from '../../../builder/process.js';
import { FAKE_BIN, TOKEN, World, type FakeCall } from './harness.js';

const root = path.resolve(import.meta.dirname, '../../..');
const CONTAINER = 'abc123def456';
// The workspace pod's terminationGracePeriodSeconds (constructs/devcontainer-deployment.ts, default 60).
const GRACE_PERIOD_MS = 60_000;

/** The builder's real entry point as its own process, the fakes first on PATH. */
function startCli(world: World, command: string, env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const chunks: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'builder', 'cli.ts'), command], {
    cwd: root,
    env: {
      PATH: `${FAKE_BIN}${path.delimiter}${process.env.PATH}`,
      HOME: process.env.HOME,
      FAKE_BIN_SCENARIO: process.env.FAKE_BIN_SCENARIO,
      [PASS_ENV]: 'FAKE_BIN_SCENARIO',
      DEVCONTAINER_REPOSITORY: `file://${world.repo}`,
      DEVCONTAINER_WORKSPACES_ROOT: world.workspaces,
      DEVCONTAINER_CACHE_FROM: '',
      DEVCONTAINER_DOCKER_WAIT_SECONDS: '10',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => chunks.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => chunks.join('') };
}

/** Poll (bounded: `timeoutMs`, every 100 ms) until `found` returns something. */
async function waitFor<T>(found: () => T | undefined, timeoutMs: number, what: string, output: () => string): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = found();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms. Output:\n${output()}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('issue 12.2: signals reach every wait', () => {
  let world: World;
  let server: Server | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    // Whatever a failed test left running (each fake leads its own process group).
    for (const call of world?.recordedCalls() ?? []) {
      try {
        process.kill(-call.pid, 'SIGKILL');
      } catch {
        // Gone, or not a group leader.
      }
    }
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    world?.remove();
  });

  it('SIGTERM during a slow agent download ends with docker stop of the dev container well inside the grace period', async () => {
    world = new World();
    await writeState(path.join(world.workspaces, '.devcontainer-builder'), {
      version: 1, workspaceFolder: world.folder, containerId: CONTAINER, remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/sample', fallback: false, updatedAt: new Date().toISOString(),
    });
    world.script([
      { tool: 'docker', args: ['ps'], stdout: `${CONTAINER}\n` },
      { tool: 'docker', args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'true' },
      // No curl, wget or busybox in the container: the builder downloads the agent itself.
      { tool: 'docker', args: ['exec', CONTAINER, 'sh', '-c'], exit: 1 },
      { tool: 'docker', args: ['exec', CONTAINER, 'uname', '-m'], stdout: 'x86_64' },
    ]);
    // Coder: the log API answers, the agent binary trickles in and never ends.
    const downloads: ServerResponse[] = [];
    server = createServer((req, res) => {
      if (req.url?.startsWith('/bin/coder-linux-')) {
        downloads.push(res);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(100 * 1024 * 1024) });
        const drip = setInterval(() => res.write(Buffer.alloc(16)), 200);
        res.on('close', () => clearInterval(drip));
        return;
      }
      req.resume();
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const cli = startCli(world, 'agent', { CODER_AGENT_URL: url, CODER_AGENT_TOKEN: TOKEN, CODER_INIT_SCRIPT: '#!/bin/sh\nexec ./coder agent\n' });
    child = cli.child;
    await waitFor(() => (downloads.length > 0 ? true : undefined), 30_000, 'the agent download', cli.output);
    await sleep(500);
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const code = await Promise.race([cli.exited, sleep(GRACE_PERIOD_MS).then(() => 'still running' as const)]);

    expect(code, cli.output()).toBe(0);
    const stop = world.recordedCalls().find((c: FakeCall) => c.tool === 'docker' && c.args[0] === 'stop');
    expect(stop?.args).toEqual(['stop', '-t', '10', CONTAINER]);
    // Measured from the signal to the `docker stop` call: the download did not hold it up.
    expect(stop!.at - signalledAt).toBeLessThan(10_000);
    expect(cli.output()).toContain('The dev container is stopped.');
  }, 90_000);

  it('a second signal on a laptop run kills the children too (each runs in its own process group)', async () => {
    world = new World();
    // A docker that hangs and ignores SIGTERM: only SIGKILL ends it.
    world.script([{ tool: 'docker', args: ['info'], sleepMs: 60_000, ignoreSignals: true }]);
    const cli = startCli(world, 'run', {});
    child = cli.child;
    const up = await waitFor(() => world.recordedCalls().find((c) => c.tool === 'docker' && c.args[0] === 'info'), 30_000, 'docker info', cli.output);
    expect(alive(up.pid)).toBe(true);
    child.kill('SIGTERM');
    await sleep(300);
    child.kill('SIGTERM');
    expect(await cli.exited).toBe(130);
    // Well before the 5 s the first signal's SIGTERM-then-SIGKILL would take.
    await waitFor(() => (alive(up.pid) ? undefined : true), 2000, 'the docker child dying', cli.output);
  }, 60_000);
});
