import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { agentBinaryUrl, coderArch } from '../../../builder/steps/agent-binary.js';
import { authTypeOf, cleanupDownloadsScript, launcherScript, stopLeftoverScript } from '../../../builder/steps/agent-scripts.js';
import { AGENT_PATH_VAR, prepareContainerScript, profileSnippet } from '../../../builder/steps/agent-env.js';

/** Run a script with the real `sh`, the way `docker exec … sh -c` runs it in the container. */
function sh(script: string, stdin = '', options: { env?: NodeJS.ProcessEnv; args?: string[] } = {}) {
  const child = spawn('sh', ['-c', script, 'sh', ...(options.args ?? [])], { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
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

describe('the agent environment (real sh)', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const base = { HOME: '/nonexistent', LANG: 'C' };

  it('issue 11.10: a plain docker exec start gets the remote environment the last devcontainer exec start resolved, never the token', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'agent-env-'));
    const envFile = path.join(dir, 'agent.env');
    // devcontainer exec: remoteEnv PATH = ${containerEnv:PATH}:/opt/tools/bin, a value with quotes and a newline.
    const remote = { ...base, PATH: '/usr/bin:/bin:/opt/tools/bin', E2E_REMOTE: "it's\n\"two\" lines", CODER_AGENT_URL: 'http://old/' };
    const saved = sh(launcherScript(path.join(dir, 'pid1'), { mode: 'save', envFile }), 'tok-1\nexec true\n', { env: remote });
    expect(await saved.done).toBe(0);
    expect(readFileSync(envFile, 'utf8')).not.toContain('tok-1');
    // plain docker exec: the image's PATH only.
    const plain = sh(launcherScript(path.join(dir, 'pid2'), { mode: 'restore', envFile }),
      'tok-2\necho "PATH=$PATH"; echo "R=$E2E_REMOTE"; echo "U=$CODER_AGENT_URL"; echo "A=$' + AGENT_PATH_VAR + '"; echo "T=$CODER_AGENT_TOKEN"\n',
      { env: { ...base, PATH: '/usr/bin:/bin', CODER_AGENT_URL: 'http://new/' } });
    expect(await plain.done).toBe(0);
    expect(plain.output()).toBe('PATH=/usr/bin:/bin:/opt/tools/bin\nR=it\'s\n"two" lines\nU=http://new/\nA=/usr/bin:/bin:/opt/tools/bin\nT=tok-2\n');
  });

  it('issue 11.10: a login shell keeps the agent\'s PATH after /etc/profile resets it; issue 11.7: and finds the agent\'s `coder`', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'agent-env-'));
    const snippet = path.join(dir, 'snippet.sh');
    writeFileSync(snippet, profileSnippet());
    // Coder's init script runs the agent from mktemp -d (coder/coder provisionersdk/scripts/bootstrap_linux.sh); GIT_ASKPASS names it.
    const agentDir = path.join(dir, 'coder.AbC123');
    mkdirSync(agentDir);
    writeFileSync(path.join(agentDir, 'coder'), '#!/bin/sh\n', { mode: 0o755 });
    // What Debian's /etc/profile does for a user, before it sources /etc/profile.d/*.sh.
    const login = sh(`PATH=/usr/local/bin:/usr/bin:/bin:/usr/games; export PATH; . ${snippet}; echo "$PATH"; command -v coder`, '', {
      env: { ...base, PATH: `/tmp/coder-script-data/bin:/usr/bin:/bin:/opt/tools/bin`, [AGENT_PATH_VAR]: '/usr/bin:/bin:/opt/tools/bin', GIT_ASKPASS: path.join(agentDir, 'coder') },
    });
    expect(await login.done).toBe(0);
    expect(login.output()).toBe(`/usr/bin:/bin:/opt/tools/bin:/usr/local/bin:/usr/games:${agentDir}\n${agentDir}/coder\n`);
    // Outside an agent session it changes nothing.
    const other = sh(`PATH=/usr/bin:/bin; . ${snippet}; echo "$PATH"`, '', { env: base });
    expect(await other.done).toBe(0);
    expect(other.output()).toBe('/usr/bin:/bin\n');
  });

  it('issue 11.7: the launcher puts the downloaded agent\'s folder on PATH, so `coder` resolves for the agent\'s children', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'agent-env-'));
    const binDir = path.join(dir, 'bin');
    mkdirSync(binDir);
    writeFileSync(path.join(binDir, 'coder'), '#!/bin/sh\n', { mode: 0o755 });
    const agent = sh(launcherScript(path.join(dir, 'pid'), { mode: 'save', envFile: path.join(dir, 'env'), binDir }), 'tok\ncommand -v coder\n', { env: { ...base, PATH: '/usr/bin:/bin' } });
    expect(await agent.done).toBe(0);
    expect(agent.output()).toBe(`${binDir}/coder\n`);
  });

  it('issue 11.8: links the folder the apps open to the real workspace folder, only where nothing is, and writes the profile snippet', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'agent-env-'));
    const real = path.join(dir, 'work', 'app');
    mkdirSync(real, { recursive: true });
    mkdirSync(path.join(dir, 'profile.d'));
    const snippet = path.join(dir, 'profile.d', 'x.sh');
    const link = path.join(dir, 'workspaces', 'sample');
    const first = sh(prepareContainerScript(real, link, snippet), '', { args: [profileSnippet()] });
    expect(await first.done).toBe(0);
    expect(first.output()).toBe(`linked: ${link} -> ${real}\n`);
    expect(readFileSync(snippet, 'utf8')).toBe(profileSnippet());
    expect(realpathSync(link)).toBe(realpathSync(real));
    // Again: already the same folder, nothing to say.
    const again = sh(prepareContainerScript(real, link, snippet), '', { args: [profileSnippet()] });
    expect(await again.done).toBe(0);
    expect(again.output()).toBe('');
    // Something else there: kept, with a warning.
    const other = path.join(dir, 'other');
    mkdirSync(other);
    const kept = sh(prepareContainerScript(real, other, snippet), '', { args: [profileSnippet()] });
    expect(await kept.done).toBe(0);
    expect(kept.output()).toMatch(/^warn: .*other exists and is not the workspace folder/);
    // Inside the real folder (it may be the checkout): never created.
    const inside = sh(prepareContainerScript(dir, path.join(dir, 'new'), snippet), '', { args: [profileSnippet()] });
    expect(await inside.done).toBe(0);
    expect(inside.output()).toMatch(/^warn: .*is inside the workspace folder/);
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
    // Same folder: nothing.
    expect(await sh(prepareContainerScript(real, real, snippet), '', { args: [profileSnippet()] }).done).toBe(0);
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
