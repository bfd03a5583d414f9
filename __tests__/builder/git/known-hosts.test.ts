import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coversHost, hostsMatch, keyscanCommand, knownHostsName, parseKnownHosts, splitHostPort } from '../../../builder/git/known-hosts.js';

const run = promisify(execFile);
let dir: string;
/** `ssh-ed25519 AAAA…` of a key made by the real ssh-keygen. */
let hostKey: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'known-hosts-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path.join(dir, 'host')]);
  hostKey = (await readFile(path.join(dir, 'host.pub'), 'utf8')).trim();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A line hashed by the real `ssh-keygen -H`, the oracle for hashed names. */
async function hashedLine(name: string): Promise<string> {
  const file = path.join(dir, `kh-${Math.random().toString(16).slice(2)}`);
  await writeFile(file, `${name} ${hostKey}\n`);
  await run('ssh-keygen', ['-H', '-f', file]);
  return (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith('|1|')) as string;
}

describe('issue 11.5: DEVCONTAINER_SSH_KNOWN_HOSTS', () => {
  it('reads ssh-keyscan style lines, markers, comments and blank lines', () => {
    const text = `# github\n\ngithub.com ${hostKey}\n@cert-authority *.example.com ${hostKey} ca\n[git.example.com]:2222,10.0.0.1 ${hostKey}\n`;
    const parsed = parseKnownHosts(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.lines.map((l) => [l.marker, l.hosts, l.keyType])).toEqual([
      [undefined, 'github.com', 'ssh-ed25519'],
      ['@cert-authority', '*.example.com', 'ssh-ed25519'],
      [undefined, '[git.example.com]:2222,10.0.0.1', 'ssh-ed25519'],
    ]);
  });

  it('names the line of each broken entry: missing fields, a cut key, a wrong type, an unknown marker', () => {
    const [type, blob] = hostKey.split(' ') as [string, string];
    const parsed = parseKnownHosts([`github.com ${type}`, `github.com ${type} ${blob.slice(0, 30)}`, `github.com ssh-rsa ${blob}`, `@trusted github.com ${hostKey}`].join('\n'));
    expect(parsed.lines).toEqual([]);
    expect(parsed.problems).toEqual([
      expect.stringMatching(/^line 1 is not "host key-type base64-key"/),
      expect.stringMatching(/^line 2 has a ssh-ed25519 key that is not valid/),
      expect.stringMatching(/^line 3 has a ssh-rsa key that is not valid/),
      expect.stringMatching(/^line 4 starts with the unknown marker "@trusted"/),
    ]);
  });

  it('matches host names as ssh does: ports in brackets, wildcards, negation, hashed names', async () => {
    expect(knownHostsName('github.com')).toBe('github.com');
    expect(knownHostsName('git.example.com', 22)).toBe('git.example.com');
    expect(knownHostsName('git.example.com', 2222)).toBe('[git.example.com]:2222');
    expect(hostsMatch('*.example.com,!evil.example.com', 'git.example.com')).toBe(true);
    expect(hostsMatch('*.example.com,!evil.example.com', 'evil.example.com')).toBe(false);
    expect(hostsMatch('git.example.com', '[git.example.com]:2222')).toBe(false);
    expect(hostsMatch('[git.example.com]:2222', '[git.example.com]:2222')).toBe(true);
    expect(hostsMatch('GitHub.com', 'github.com')).toBe(true);
    const hashed = await hashedLine('[172.30.77.1]:2222');
    expect(hostsMatch(hashed.split(' ')[0] as string, '[172.30.77.1]:2222')).toBe(true);
    expect(hostsMatch(hashed.split(' ')[0] as string, '172.30.77.1')).toBe(false);
  });

  it('a line for the host counts only when it is not @revoked', () => {
    const { lines } = parseKnownHosts(`@revoked github.com ${hostKey}\n`);
    expect(coversHost(lines, 'github.com')).toBe(false);
    expect(coversHost(parseKnownHosts(`[h]:2222 ${hostKey}`).lines, 'h', 2222)).toBe(true);
    expect(coversHost(parseKnownHosts(`h ${hostKey}`).lines, 'h', 2222)).toBe(false);
  });

  it('splits the repository host and says how to get its lines', () => {
    expect(splitHostPort('github.com')).toEqual({ host: 'github.com', port: undefined });
    expect(splitHostPort('git.example.com:2222')).toEqual({ host: 'git.example.com', port: 2222 });
    expect(splitHostPort('[fd00::1]:2222')).toEqual({ host: 'fd00::1', port: 2222 });
    expect(keyscanCommand('github.com')).toBe('ssh-keyscan github.com');
    expect(keyscanCommand('h', 2222)).toBe('ssh-keyscan -p 2222 h');
  });
});
