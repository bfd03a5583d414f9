import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { agentBinaryUrl, coderArch } from '../../../builder/steps/agent-binary.js';
import { authTypeOf, cleanupDownloadsScript, launcherScript, stopLeftoverScript } from '../../../builder/steps/start-agent.js';

/** Run a script with the real `sh`, the way `docker exec … sh -c` runs it in the container. */
function sh(script: string, stdin = '') {
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: string[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
  // Scripts that never read stdin may exit before it is written.
  child.stdin.on('error', () => {});
  child.stdin.end(stdin);
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, done, output: () => out.join('') };
}

describe('the in-container launcher and leftover stop (real sh)', () => {
  let dir: string;
  const children: ReturnType<typeof sh>[] = [];
  afterEach(() => {
    for (const c of children) c.child.kill('SIGKILL');
    children.length = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the token from the first stdin line, records pid and start time, and execs the script', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'launcher-'));
    const pidFile = path.join(dir, 'agent.pid');
    const agent = sh(launcherScript(pidFile), `tok-123\necho "token=$CODER_AGENT_TOKEN pid=$$"\nexec sleep 30\n`);
    children.push(agent);
    for (let i = 0; i < 50 && !agent.output().includes('token='); i++) await sleep(100);
    const [pid, started] = readFileSync(pidFile, 'utf8').trim().split(' ');
    expect(agent.output()).toBe(`token=tok-123 pid=${pid}\n`);
    expect(Number(pid)).toBe(agent.child.pid);
    expect(started).toBe(readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[21]);

    // A leftover agent with the recorded start time is stopped.
    const stop = sh(stopLeftoverScript(pidFile));
    expect(await stop.done).toBe(0);
    expect(stop.output()).toContain(`Stopping the Coder agent started earlier (pid ${pid})`);
    await agent.done;
    expect(agent.child.signalCode).toBe('SIGTERM');
  });

  it('leaves a process alone when the pid was reused (start time differs) and ignores a missing or bad pid file', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'launcher-'));
    const pidFile = path.join(dir, 'agent.pid');
    const other = sh('exec sleep 30');
    children.push(other);
    await sleep(200);
    const stale = sh(`echo "${other.child.pid} 1" > ${pidFile}`);
    await stale.done;
    const stop = sh(stopLeftoverScript(pidFile));
    expect(await stop.done).toBe(0);
    expect(stop.output()).toBe('');
    expect(other.child.exitCode).toBeNull();
    expect(await sh(stopLeftoverScript(pidFile)).done).toBe(0);
    await sh(`echo "not-a-pid x" > ${pidFile}`).done;
    expect(await sh(stopLeftoverScript(pidFile)).done).toBe(0);
  });

  it('issue 10.10: removes the agent download folders of earlier starts, not the running agent\'s', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'downloads-'));
    // What coder/coder provisionersdk/scripts/bootstrap_linux.sh leaves: mktemp -d -t coder.XXXXXX with ./coder inside.
    for (const d of ['coder.AbC123', 'coder.old456', 'coder.running']) {
      mkdirSync(path.join(dir, d));
      writeFileSync(path.join(dir, d, 'coder'), '#!/bin/sh\n', { mode: 0o755 });
    }
    mkdirSync(path.join(dir, 'coder.keep'));
    mkdirSync(path.join(dir, 'coder-other'));
    mkdirSync(path.join(dir, 'target'));
    symlinkSync(path.join(dir, 'target'), path.join(dir, 'coder.lnk123'));
    // The running agent: the init script cd's into its folder and execs ./coder from there.
    const running = path.join(dir, 'coder.runnin');
    mkdirSync(running);
    const agent = sh(`cd ${running} && exec sleep 30`);
    children.push(agent);
    await sleep(200);
    const cleanup = sh(cleanupDownloadsScript(dir));
    expect(await cleanup.done).toBe(0);
    expect(cleanup.output()).toBe('2\n');
    expect(['coder.AbC123', 'coder.old456'].map((d) => existsSync(path.join(dir, d)))).toEqual([false, false]);
    // Kept: the running agent's folder, names mktemp does not make, a symbolic link and its target.
    expect(['coder.runnin', 'coder.running', 'coder.keep', 'coder-other', 'coder.lnk123', 'target'].map((d) => existsSync(path.join(dir, d)))).toEqual([true, true, true, true, true, true]);
  });

  it('fails without a token line', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'launcher-'));
    expect(await sh(launcherScript(path.join(dir, 'p')), '').done).toBe(97);
  });
});

describe('agent binary helpers', () => {
  it('maps uname -m to Coder architectures', () => {
    expect(['x86_64', 'aarch64', 'arm64', 'armv7l', 'riscv64'].map(coderArch)).toEqual(['amd64', 'arm64', 'arm64', 'armv7', undefined]);
  });

  it('builds the download URL with or without a trailing slash', () => {
    expect(agentBinaryUrl('https://coder.example.com', 'amd64')).toBe('https://coder.example.com/bin/coder-linux-amd64');
    expect(agentBinaryUrl('https://coder.example.com/', 'arm64')).toBe('https://coder.example.com/bin/coder-linux-arm64');
  });

  it('reads the auth type from the init script', () => {
    expect(authTypeOf('export CODER_AGENT_AUTH="google-instance-identity"\n')).toBe('google-instance-identity');
    expect(authTypeOf('#!/bin/sh\nexec ./coder agent')).toBe('token');
  });
});
