import { describe, expect, it } from 'vitest';
import { parseRepoUrl, redactUrl, remoteIdentity } from '../../../builder/git/repo-url.js';

describe('parseRepoUrl', () => {
  it.each([
    ['https://github.com/vgijssel/setup.git', { transport: 'http', host: 'github.com', origin: 'https://github.com', path: 'vgijssel/setup', name: 'setup', hasPassword: false }],
    ['http://127.0.0.1:8080/git/app/', { transport: 'http', host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', path: 'git/app', name: 'app', hasPassword: false }],
    ['ssh://git@GitHub.com:22/o/r.git', { transport: 'ssh', host: 'github.com:22', origin: undefined, path: 'o/r', name: 'r', hasPassword: false }],
    ['git@github.com:o/My.Repo_1.git', { transport: 'ssh', host: 'github.com', origin: undefined, path: 'o/My.Repo_1', name: 'My.Repo_1', hasPassword: false }],
    ['https://u:p@example.com/o/r', { transport: 'http', host: 'example.com', origin: 'https://example.com', path: 'o/r', name: 'r', hasPassword: true }],
  ])('parses %s', (url, expected) => {
    expect(parseRepoUrl(url)).toEqual(expected);
  });

  it.each([
    ['', 'is empty'],
    ['https://x.com/a b', 'contains whitespace'],
    ['owner/repo', 'is not a git URL: use https://host/owner/repo.git or git@host:owner/repo.git'],
    ['ftp://x.com/o/r', 'uses the unsupported scheme "ftp" (use https, ssh or git)'],
    ['https://x.com/', 'has no repository name in its path (expected …/owner/repo)'],
    ['https://x.com/o/..', 'has no repository name in its path (expected …/owner/repo)'],
    ['https://x.com/o/r%24x', 'ends in "r$x", which is not usable as a folder name (letters, digits, ".", "_" and "-" only)'],
  ])('fails for %j', (url, reason) => {
    expect(parseRepoUrl(url)).toBe(reason);
  });
});

describe('remoteIdentity', () => {
  it('treats the https and ssh URLs of one repository as the same remote', () => {
    expect(remoteIdentity('https://github.com/VGijssel/setup.git')).toBe('github.com/vgijssel/setup');
    expect(remoteIdentity('git@github.com:vgijssel/setup')).toBe('github.com/vgijssel/setup');
    expect(remoteIdentity('ssh://git@github.com:22/vgijssel/setup.git/')).toBe('github.com/vgijssel/setup');
  });
  it('tells different repositories apart', () => {
    expect(remoteIdentity('https://github.com/me/setup')).not.toBe(remoteIdentity('https://github.com/vgijssel/setup'));
  });
});

describe('redactUrl', () => {
  it('hides user info', () => {
    expect(redactUrl('https://x-access-token:abc@github.com/o/r')).toBe('https://***@github.com/o/r');
    expect(redactUrl('git@github.com:o/r')).toBe('git@github.com:o/r');
  });
});
