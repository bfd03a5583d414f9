import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseBranchName } from '../../../builder/git/ref-name.js';

/** What git itself says about a branch name: the rules are git's, so git is the oracle. */
function gitAccepts(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('parseBranchName', () => {
  const names = ['main', 'feature/x', 'release-1.2', 'ä', 'a@b', '@a', 'a b', '-x', 'a..b', 'a@{b', '/a', 'a/', 'a//b', 'a.', '.a', 'a/.b', 'x.lock', 'a/b.lock',
    'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a\tb', 'a\u007fb', ''];
  it.each(names)('agrees with git check-ref-format --branch on %j', (name) => {
    expect('branch' in parseBranchName(name)).toBe(gitAccepts(name));
  });

  it('fails for names git reserves even though check-ref-format expands them', () => {
    expect(parseBranchName('@')).toEqual({ problem: 'is "@", which git reserves' });
    expect(parseBranchName('HEAD')).toEqual({ problem: 'is "HEAD", which git reserves' });
  });

  it('drops a leading refs/heads/', () => {
    expect(parseBranchName('refs/heads/feature/x')).toEqual({ branch: 'feature/x' });
  });
});
