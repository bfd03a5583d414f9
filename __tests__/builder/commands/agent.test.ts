import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCommand } from '../../../builder/commands/agent.js';
import { writeState } from '../../../builder/commands/state.js';
import { AgentError } from '../../../builder/errors.js';
import { AGENT_BINARY_PATH, cleanupDownloadsScript } from '../../../builder/steps/agent-scripts.js';
import { AGENT_ENV_FILE, profileSnippet } from '../../../builder/steps/agent-env.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { replay, TOKEN, World, type FakeRule } from './harness.js';

const FOUND: FakeRule[] = [
  { tool: 'docker', args: ['ps'], stdout: 'abc123def456\n' },
  { tool: 'docker', args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'true' },
];

/** The state `up` leaves behind. */
async function upRan(world: World): Promise<void> {
  await writeState(path.join(world.workspaces, '.devcontainer-builder'), {
    version: 1, workspaceFolder: world.folder, containerId: 'abc123def456', remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/sample', fallback: false, updatedAt: new Date().toISOString(),
  });
}

describe('agentCommand with fake docker and devcontainer', () => {
  let world: World;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
    world?.remove();
  });

  it('runs the init script as the remote user with the token on stdin only, restarts with backoff, then gives up', async () => {
    world = new World();
    await upRan(world);
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], stderr: 'agent: cannot reach Coder', exit: 1 }, { tool: 'docker', args: ['exec', '-i'], stderr: 'agent: cannot reach Coder', exit: 1 }]);
    const consoleOnly = new MemorySink();
    const error = await agentCommand({ ...world.context('agent'), consoleLog: new Logger(consoleOnly) }, { restartDelaysMs: [10, 10, 10] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).message).toMatch(/kept exiting \(last: .*exited with code 1; 3 restarts\)/);
    expect((error as AgentError).lastLines).toContain('agent: cannot reach Coder');
    // The agent's own output stays on the console: it is not streamed to Coder a second time.
    expect(consoleOnly.texts).toContain('agent: cannot reach Coder');
    expect(world.sink.texts).not.toContain('agent: cannot reach Coder');

    const calls = world.recordedCalls();
    const execs = calls.filter((c) => c.tool === 'devcontainer' && c.args[0] === 'exec');
    expect(execs).toHaveLength(2);
    // Later starts avoid devcontainer exec (a broken devcontainer.json must not lock the user out).
    const plain = calls.filter((c) => c.tool === 'docker' && c.args[1] === '-i');
    expect(plain).toHaveLength(2);
    expect(plain[0]!.args.slice(0, 6)).toEqual(['exec', '-i', '-u', 'vscode', '-w', '/workspaces/sample']);
    expect(plain[0]!.stdin.split('\n')[0]).toBe(TOKEN);
    for (const exec of execs) {
      expect(exec.args).toEqual(expect.arrayContaining([
        '--workspace-folder', world.folder,
        '--remote-env', 'CODER_AGENT_URL=http://127.0.0.1:9/',
        '--remote-env', 'CODER_AGENT_DEVCONTAINERS_ENABLE=false',
      ]));
      expect(exec.stdin.split('\n')[0]).toBe(TOKEN);
      expect(exec.stdin).toContain('exec ./coder agent');
    }
    // The token never travels in argv.
    expect(calls.every((c) => !c.args.join(' ').includes(TOKEN))).toBe(true);
    expect(world.sink.texts.every((t) => !t.includes(TOKEN))).toBe(true);
    // Exactly one agent: each start first stops a leftover one, as root.
    const stops = calls.filter((c) => c.tool === 'docker' && c.args.slice(0, 4).join(' ') === 'exec -u root abc123def456');
    expect(stops.length).toBeGreaterThanOrEqual(4);
    expect(world.sink.texts.filter((t) => /restart [123] of 3/.test(t))).toHaveLength(3);
    // issue 10.10: each start first removes the download folders of earlier ones, as the remote user.
    expect(calls.filter((c) => c.args.join(' ') === `exec -u vscode abc123def456 sh -c ${cleanupDownloadsScript()}`)).toHaveLength(4);
  });

  it('on SIGTERM stops the agent, then the dev container', async () => {
    world = new World();
    await upRan(world);
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], untilSignal: true }]);
    const controller = new AbortController();
    const running = agentCommand(world.context('agent', {}, controller.signal), { restartDelaysMs: [10] });
    for (let i = 0; i < 200 && !world.recordedCalls().some((c) => c.args[0] === 'exec' && c.tool === 'devcontainer'); i++) await sleep(100);
    controller.abort();
    await running;
    const docker = world.recordedCalls().filter((c) => c.tool === 'docker').map((c) => c.args.slice(0, 4).join(' '));
    expect(docker.at(-1)).toBe('stop -t 10 abc123def456');
    expect(docker.at(-2)).toBe('exec -u root abc123def456');
  });

  it('issue 11.7: without curl, wget or busybox: downloads the agent here and copies it in as `coder` in a folder on its PATH', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/bin/coder-linux-amd64') res.end('#!/bin/sh\necho fake coder\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    world = new World();
    await upRan(world);
    world.script([
      ...FOUND,
      { tool: 'docker', has: ['command -v curl || command -v wget || command -v busybox'], exit: 1 },
      { tool: 'docker', has: ['uname'], stdout: 'x86_64' },
      { tool: 'devcontainer', args: ['exec'], exit: 3 },
    ]);
    await expect(agentCommand(world.context('agent', { CODER_AGENT_URL: url }), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    const calls = world.recordedCalls();
    const cp = calls.find((c) => c.tool === 'docker' && c.args[0] === 'cp')!;
    // The binary's private download folder, copied in whole: the binary lands as <folder>/coder.
    expect(cp.args[1]).toMatch(/coder-agent-[^/]+\/\.$/);
    expect(cp.args[2]).toBe('abc123def456:/tmp/.devcontainer-builder-bin');
    expect(AGENT_BINARY_PATH).toBe('/tmp/.devcontainer-builder-bin/coder');
    const exec = calls.find((c) => c.tool === 'devcontainer' && c.args[0] === 'exec')!;
    expect(exec.stdin).toBe(`${TOKEN}\nexport CODER_AGENT_AUTH="token"\nexec ${AGENT_BINARY_PATH} agent\n`);
    // The launcher puts the folder on the agent's PATH, so its children find `coder`.
    expect(exec.args.at(-1)).toContain('PATH="$PATH:/tmp/.devcontainer-builder-bin"');
  });

  it('uses plain docker exec as root for the recovery container', async () => {
    world = new World();
    await writeState(path.join(world.workspaces, '.devcontainer-builder'), {
      version: 1, workspaceFolder: world.folder, containerId: 'abc123def456', remoteUser: 'root', remoteWorkspaceFolder: '/workspaces/sample', fallback: true, updatedAt: new Date().toISOString(),
    });
    world.script([...FOUND, { tool: 'docker', has: ['-i'], exit: 1 }]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    const calls = world.recordedCalls();
    expect(calls.some((c) => c.tool === 'devcontainer')).toBe(false);
    const exec = calls.find((c) => c.tool === 'docker' && c.args[1] === '-i')!;
    expect(exec.args.slice(0, 6)).toEqual(['exec', '-i', '-u', 'root', '-w', '/workspaces/sample']);
    expect(exec.args).toContain('CODER_AGENT_DEVCONTAINERS_ENABLE=false');
    expect(exec.stdin.startsWith(`${TOKEN}\n`)).toBe(true);
  });

  it('starts a stopped dev container with devcontainer up (start-time lifecycle commands) before the agent', async () => {
    world = new World();
    await upRan(world);
    world.script([
      { tool: 'docker', args: ['ps'], stdout: '73839a54b341\n' },
      { tool: 'docker', args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'false' },
      replay('up', 'success'),
      { tool: 'devcontainer', args: ['exec'], exit: 1 },
    ]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    // What is left after waitFor (issue 13.3) runs in the background with run-user-commands (__tests__/builder/commands/waitfor.test.ts).
    const calls = world.recordedCalls().filter((c) => c.tool === 'devcontainer').map((c) => c.args[0]).filter((a) => a !== 'run-user-commands');
    expect(calls).toEqual(['up', 'exec']);
    const up = world.recordedCalls().find((c) => c.args[0] === 'up')!;
    expect(up.args).toContain('--skip-non-blocking-commands');
    // It may only start the existing container: never create or replace one.
    expect(up.args).toContain('--expect-existing-container');
    expect(up.args).not.toContain('--remove-existing-container');
    expect(up.args).not.toContain('--skip-post-create');
    // The fake replays a recorded `up`, whose lifecycle output reaches the log.
    expect(world.sink.texts).toContain('postCreateCommand: succeeded');
  });

  it('finds only the recorded generation: a stopped backup of an earlier replacement is never started or used', async () => {
    world = new World();
    world.containers([
      world.container('bac', { running: false, generation: 1, created: '2026-01-01T00:00:00Z' }),
      world.container('cur', { running: false, generation: 2, created: '2026-01-02T00:00:00Z' }),
    ]);
    await writeState(path.join(world.workspaces, '.devcontainer-builder'), {
      version: 1, workspaceFolder: world.folder, containerId: 'cur'.padEnd(64, '0'), generation: 2, backup: { containerId: 'bac'.padEnd(64, '0'), generation: 1, at: new Date().toISOString() },
      remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/sample', fallback: false, updatedAt: new Date().toISOString(),
    });
    world.script([replay('up', 'success'), { tool: 'devcontainer', args: ['exec'], exit: 1 }]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    const labels = [`devcontainer-builder.workspace=${world.folder}`, 'devcontainer-builder.generation=2'];
    const calls = world.recordedCalls();
    expect(calls.find((c) => c.args[0] === 'ps')!.args).toEqual(['ps', '-aq', ...labels.flatMap((l) => ['--filter', `label=${l}`])]);
    for (const command of ['up', 'exec']) {
      const call = calls.find((c) => c.tool === 'devcontainer' && c.args[0] === command)!;
      expect(call.args.flatMap((a, i) => (call.args[i - 1] === '--id-label' ? [a] : []))).toEqual(labels);
    }
    expect(calls.some((c) => c.tool === 'docker' && c.args.join(' ').includes('bac000'))).toBe(false);
  });

  it('issue 10.1: a kept container whose devcontainer.json cannot be read gets the agent through plain docker exec at once', async () => {
    world = new World();
    await writeState(path.join(world.workspaces, '.devcontainer-builder'), {
      version: 1, workspaceFolder: world.folder, containerId: 'abc123def456', remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/sample', fallback: false, updatedAt: new Date().toISOString(),
      degraded: { reason: 'Could not read the dev container configuration', at: new Date().toISOString(), kind: 'configuration' },
    });
    world.script([{ tool: 'docker', args: ['ps'], stdout: 'abc123def456\n' }, { tool: 'docker', args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'false' }, { tool: 'docker', has: ['-i'], exit: 1 }]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    const calls = world.recordedCalls();
    expect(calls.some((c) => c.tool === 'devcontainer')).toBe(false);
    expect(calls.filter((c) => c.tool === 'docker').map((c) => c.args.join(' '))).toContain('start abc123def456');
    expect(calls.find((c) => c.args[1] === '-i')!.args.slice(0, 6)).toEqual(['exec', '-i', '-u', 'vscode', '-w', '/workspaces/sample']);
    expect(world.sink.texts).toContain('Starting the agent with plain docker exec: devcontainer.json cannot be read (see the log of the last start).');
  });

  it('issue 10.1: when the stopped container does not come up with its configuration, it is started as it is and reached with plain docker exec', async () => {
    world = new World();
    await upRan(world);
    world.script([
      { tool: 'docker', args: ['ps'], stdout: 'abc123def456\n' },
      { tool: 'docker', args: ['inspect', '--format', '{{.State.Running}}'], stdout: 'false' },
      replay('up', 'lifecycle-failure'),
      { tool: 'docker', has: ['-i'], exit: 1 },
    ]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    const calls = world.recordedCalls();
    expect(calls.filter((c) => c.tool === 'devcontainer').map((c) => c.args[0])).toEqual(['up']);
    expect(calls.find((c) => c.args[0] === 'up')!.args).not.toContain('--remove-existing-container');
    expect(calls.filter((c) => c.tool === 'docker').map((c) => c.args.join(' '))).toContain('start abc123def456');
    expect(calls.find((c) => c.args[1] === '-i')!.args.slice(0, 6)).toEqual(['exec', '-i', '-u', 'vscode', '-w', '/workspaces/sample']);
    expect(world.sink.lines.some((l) => l.level === 'error' && l.text.startsWith("Could not start the dev container with its configuration: The dev container's postCreateCommand failed"))).toBe(true);
  });

  it('issue 11.10: devcontainer exec starts save the remote environment, plain docker exec starts load it, login shells keep its PATH', async () => {
    world = new World();
    await upRan(world);
    world.script([...FOUND, { tool: 'devcontainer', args: ['exec'], exit: 1 }, { tool: 'docker', args: ['exec', '-i'], exit: 1 }]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [10, 10] })).rejects.toThrow(AgentError);
    const calls = world.recordedCalls();
    const viaCli = calls.filter((c) => c.tool === 'devcontainer' && c.args[0] === 'exec');
    const plain = calls.filter((c) => c.tool === 'docker' && c.args[1] === '-i');
    expect([viaCli.length, plain.length]).toEqual([2, 1]);
    for (const c of viaCli) expect(c.args.at(-1)).toContain(`export -p > ${AGENT_ENV_FILE}`);
    expect(plain[0]!.args.at(-1)).toContain(`. ${AGENT_ENV_FILE}`);
    expect(plain[0]!.args.at(-1)).not.toContain('export -p');
    // Before every start, as root: the profile.d snippet that keeps the PATH in login shells.
    const prepares = calls.filter((c) => c.tool === 'docker' && c.args.slice(0, 4).join(' ') === 'exec -u root abc123def456' && c.args.at(-1) === profileSnippet());
    expect(prepares).toHaveLength(3);
  });

  it('issue 11.8: a workspaceFolder other than /workspaces/<repo> gets the apps\' folder linked to it, and the agent starts there', async () => {
    world = new World();
    await writeState(path.join(world.workspaces, '.devcontainer-builder'), {
      version: 1, workspaceFolder: world.folder, containerId: 'abc123def456', remoteUser: 'vscode', remoteWorkspaceFolder: '/work/app', fallback: false, updatedAt: new Date().toISOString(),
      degraded: { reason: 'Could not read the dev container configuration', at: new Date().toISOString(), kind: 'configuration' },
    });
    world.script([...FOUND, { tool: 'docker', has: ['exec', '-u', 'root', 'abc123def456'], stdout: `linked: ${world.folder} -> /work/app` }, { tool: 'docker', args: ['exec', '-i'], exit: 1 }]);
    await expect(agentCommand(world.context('agent'), { restartDelaysMs: [] })).rejects.toThrow(AgentError);
    const calls = world.recordedCalls();
    const prepare = calls.find((c) => c.tool === 'docker' && c.args.at(-1) === profileSnippet())!;
    expect(prepare.args[6]).toContain(`real='/work/app'; link='${world.folder}'`);
    expect(calls.find((c) => c.args[1] === '-i')!.args.slice(0, 6)).toEqual(['exec', '-i', '-u', 'vscode', '-w', '/work/app']);
    expect(world.sink.texts).toContain(`The workspace folder is /work/app; ${world.folder} -> /work/app so the apps open it.`);
  });

  it('fails clearly when up never created a dev container', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['ps'], stdout: '' }]);
    await expect(agentCommand(world.context('agent'))).rejects.toThrow(/No dev container with label devcontainer-builder\.workspace=.*"up" init container must run first/);
  });
});
