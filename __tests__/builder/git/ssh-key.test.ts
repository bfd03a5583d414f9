import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchGitSshKey, fingerprint, memoryRoot, openSshSession, SSH_DIR_PREFIX, sshCommand } from '../../../builder/git/ssh-key.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { generateGitSshKey, startFakeCoder, type FakeCoder, type GitSshKeyPair } from '../../support/fake-coder.js';

let key: GitSshKeyPair;
let coder: FakeCoder;
let noKey: FakeCoder;
let scratch: string;

beforeAll(async () => {
  key = await generateGitSshKey();
  coder = await startFakeCoder({ gitSshKey: key });
  noKey = await startFakeCoder();
  scratch = await mkdtemp(path.join(tmpdir(), 'ssh-key-'));
});
afterAll(async () => {
  await coder.close();
  await noKey.close();
  await rm(scratch, { recursive: true, force: true });
});

const soon = () => performance.now() + 20_000;
const sinkText = (sink: MemorySink) => sink.lines.map((l) => l.text).join('\n');

describe('issue 11.5: the Coder git SSH key', () => {
  it('is fetched with the agent token in the Coder-Session-Token header', async () => {
    const got = await fetchGitSshKey(coder.url, coder.token, { deadline: soon() });
    expect(got).toEqual({ publicKey: key.publicKey.trim(), privateKey: key.privateKey });
    const request = coder.requests.at(-1);
    expect(request).toMatchObject({ method: 'GET', path: '/api/v2/workspaceagents/me/gitsshkey', status: 200 });
    expect(request?.headers['coder-session-token']).toBe(coder.token);
  });

  it('retries while Coder answers 401 (provision job not done yet), within bounds', async () => {
    const late = await startFakeCoder({ gitSshKey: key, unauthorizedForMs: 300 });
    try {
      const got = await fetchGitSshKey(late.url, late.token, { deadline: soon(), retryDelaysMs: [200, 200, 200] });
      expect(got.privateKey).toBe(key.privateKey);
      const statuses = late.requests.map((r) => r.status);
      expect(statuses[0]).toBe(401);
      expect(statuses.at(-1)).toBe(200);
    } finally {
      await late.close();
    }
  });

  it('fails with Coder\'s status and reason, never the token, when the owner has no key or the token is wrong', async () => {
    await expect(fetchGitSshKey(noKey.url, noKey.token, { deadline: soon(), retryDelaysMs: [10] }))
      .rejects.toThrow(/500 Internal error fetching git SSH key.* \(after 2 attempts\)/);
    const wrong = '11111111-2222-3333-4444-555555555555';
    const error = await fetchGitSshKey(coder.url, wrong, { deadline: soon(), retryDelaysMs: [] }).then(() => new Error("expected a failure"), (e: unknown) => e as Error);
    expect(error.message).toMatch(/401 Workspace agent not authorized/);
    expect(error.message).not.toContain(wrong);
  });

  it('has a fingerprint as ssh-keygen -l prints it', () => {
    expect(fingerprint(key.publicKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprint('garbage')).toBeUndefined();
  });
});

describe('issue 11.5: where the key lives', () => {
  it('finds a tmpfs by its mount, and refuses a directory on disk', async () => {
    const mounts = path.join(scratch, 'mounts');
    await writeFile(mounts, ['/dev/vda / ext4 rw 0 0', 'shm /dev/shm tmpfs rw 0 0', 'tmpfs /run tmpfs rw 0 0', '/dev/vdb /run/data ext4 rw 0 0', ''].join('\n'));
    expect(await memoryRoot(['/dev/shm'], mounts)).toBe('/dev/shm');
    expect(await memoryRoot(['/run/data/x', '/run'], mounts)).toBe('/run');
    expect(await memoryRoot(['/workspaces', '/run/data'], mounts)).toBeUndefined();
  });

  it('is a 0600 file in a private tmpfs directory while the session is open, and gone after', async () => {
    const sink = new MemorySink();
    const knownHosts = `[127.0.0.1]:2222 ${key.publicKey.trim()}`;
    const session = await openSshSession({ log: new Logger(sink), agentUrl: coder.url, agentToken: coder.token, knownHosts, host: '127.0.0.1:2222', deadline: soon() });
    expect(session.problem).toBeUndefined();
    const keyFile = /-i '([^']+)'/.exec(session.command ?? '')?.[1] as string;
    const knownHostsFile = /UserKnownHostsFile='([^']+)'/.exec(session.command ?? '')?.[1] as string;
    expect(path.dirname(keyFile)).toMatch(new RegExp(`^/dev/shm/${SSH_DIR_PREFIX}`));
    expect(await memoryRoot([path.dirname(keyFile)])).toBe(path.dirname(keyFile));
    expect((await stat(path.dirname(keyFile))).mode & 0o777).toBe(0o700);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toBe(key.privateKey);
    expect(await readFile(knownHostsFile, 'utf8')).toBe(`${knownHosts}\n`);
    expect(session.command).toContain('-o IdentitiesOnly=yes');
    expect(session.command).toContain('-o StrictHostKeyChecking=yes');
    expect(session.command).toContain('-o GlobalKnownHostsFile=/dev/null');
    expect(session.command).not.toContain('accept-new');
    expect(sinkText(sink)).toContain(fingerprint(key.publicKey));
    expect(sinkText(sink)).not.toContain(key.privateKey.split('\n')[1]);
    await session.remove();
    await expect(stat(path.dirname(keyFile))).rejects.toThrow(/ENOENT/);
  });

  it('writes known_hosts pasted with Windows line ends as plain lines', async () => {
    const line = `h ${key.publicKey.trim()}`;
    const session = await openSshSession({ log: new Logger(new MemorySink()), knownHosts: `${line}\r\n# c\r\n`, host: 'h', deadline: soon() });
    const file = /UserKnownHostsFile='([^']+)'/.exec(session.command ?? '')?.[1] as string;
    expect(await readFile(file, 'utf8')).toBe(`${line}\n# c\n`);
    await session.remove();
  });

  it('removes directories a killed builder left behind', async () => {
    const stale = await mkdtemp(path.join('/dev/shm', SSH_DIR_PREFIX));
    await writeFile(path.join(stale, 'id'), 'old');
    const session = await openSshSession({ log: new Logger(new MemorySink()), agentUrl: coder.url, agentToken: coder.token, knownHosts: `h ${key.publicKey.trim()}`, host: 'h', deadline: soon() });
    expect((await readdir('/dev/shm')).filter((n) => n.startsWith(SSH_DIR_PREFIX))).toHaveLength(1);
    await expect(stat(stale)).rejects.toThrow(/ENOENT/);
    await session.remove();
  });

  it('without known host keys strict checking stays on and the session names the variable to set', async () => {
    const session = await openSshSession({ log: new Logger(new MemorySink()), agentUrl: coder.url, agentToken: coder.token, host: 'git.example.com:2222', deadline: soon() });
    expect(session.problem).toMatch(/DEVCONTAINER_SSH_KNOWN_HOSTS is not set.*ssh-keyscan -p 2222 git\.example\.com/);
    expect(session.command).toContain('StrictHostKeyChecking=yes');
  });

  it('without Coder, it is the user\'s own ssh, as before', async () => {
    const session = await openSshSession({ log: new Logger(new MemorySink()), host: 'github.com', deadline: soon() });
    expect([session.command, session.problem]).toEqual([undefined, undefined]);
    expect(sshCommand({})).toBe('ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new');
  });

  it('a failed key fetch is a problem naming the cause, and leaves no file', async () => {
    const session = await openSshSession({ log: new Logger(new MemorySink()), agentUrl: noKey.url, agentToken: noKey.token, knownHosts: `h ${key.publicKey.trim()}`, host: 'h', deadline: soon(), retryDelaysMs: [] });
    expect(session.problem).toMatch(/^Could not get your Coder git SSH key for h from Coder \(GET \/api\/v2\/workspaceagents\/me\/gitsshkey answered 500/);
    expect(session.command).not.toContain(' -i ');
    await session.remove();
    expect((await readdir('/dev/shm')).filter((n) => n.startsWith(SSH_DIR_PREFIX))).toEqual([]);
  });
});
