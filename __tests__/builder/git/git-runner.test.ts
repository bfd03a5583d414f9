import { describe, expect, it } from 'vitest';
import { gitEnvironment, TOKEN_ENV } from '../../../builder/git/git-runner.js';

const configOf = (env: Record<string, string | undefined>) => {
  const entries: [string, string][] = [];
  for (let i = 0; i < Number(env.GIT_CONFIG_COUNT); i += 1) entries.push([env[`GIT_CONFIG_KEY_${i}`] as string, env[`GIT_CONFIG_VALUE_${i}`] as string]);
  return entries;
};

describe('gitEnvironment', () => {
  it('offers the token to the repository origin only, through a helper that reads the environment', () => {
    const env = gitEnvironment({ repository: 'https://github.com/o/r.git', githubToken: 'ghp_abc', folder: '/workspaces/r' });
    const config = configOf(env);
    expect(config).toContainEqual(['credential.helper', '']);
    const helper = config.find(([key]) => key === 'credential.https://github.com.helper')?.[1];
    expect(helper).toContain(`$${TOKEN_ENV}`);
    expect(env[TOKEN_ENV]).toBe('ghp_abc');
    // The token is in exactly one variable, never in configuration.
    expect(Object.entries(env).filter(([, v]) => v?.includes('ghp_abc')).map(([k]) => k)).toEqual([TOKEN_ENV]);
  });

  it('sets no credential configuration without a token or for SSH', () => {
    for (const env of [
      gitEnvironment({ repository: 'https://github.com/o/r.git', folder: '/w/r' }),
      gitEnvironment({ repository: 'git@github.com:o/r.git', githubToken: 'ghp_abc', folder: '/w/r' }),
    ]) {
      expect(configOf(env).filter(([key]) => key.startsWith('credential.'))).toEqual([]);
    }
  });

  it('never prompts, trusts the folder, runs no hooks, and stops git searching above the folder', () => {
    const env = gitEnvironment({ repository: 'https://github.com/o/r.git', folder: '/workspaces/r' }, 600_000);
    expect(env).toMatchObject({ GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_CEILING_DIRECTORIES: '/workspaces' });
    expect(configOf(env)).toEqual(expect.arrayContaining([
      ['safe.directory', '/workspaces/r'], ['core.hooksPath', '/dev/null'], ['http.lowSpeedTime', '60'],
    ]));
  });

  it('keeps a stalled transfer within a short timeout', () => {
    expect(configOf(gitEnvironment({ repository: 'https://h/o/r', folder: '/w/r' }, 1500))).toContainEqual(['http.lowSpeedTime', '2']);
  });
});
