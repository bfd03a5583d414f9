import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../../builder/devcontainer/failure.js';
import { parseResultLine } from '../../../builder/devcontainer/result.js';
import { cliLevelToCoder } from '../../../builder/devcontainer/levels.js';
import { recorded } from './fixtures.js';

describe('parseResultLine', () => {
  it('reads the success line of a recorded up', () => {
    const result = parseResultLine(recorded('success').stdout);
    expect(result).toMatchObject({ outcome: 'success', remoteUser: 'vscode', remoteWorkspaceFolder: '/workspaces/success' });
    expect(result?.outcome === 'success' && result.containerId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the error lines of recorded failures', () => {
    expect(parseResultLine(recorded('build-failure').stdout)).toMatchObject({ outcome: 'error', description: 'An error occurred building the image.' });
    expect(parseResultLine(recorded('lifecycle-failure').stdout)).toMatchObject({
      outcome: 'error',
      description: 'postCreateCommand from devcontainer.json failed.',
      containerId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('takes the last result among other stdout lines, and returns undefined without one', () => {
    const stdout = ['noise', '{"outcome":"error","message":"m","description":"first"}', '{not json', '{"outcome":"success","containerId":"c","remoteUser":"u","remoteWorkspaceFolder":"/w"}', ''].join('\n');
    expect(parseResultLine(stdout)).toMatchObject({ outcome: 'success', containerId: 'c' });
    expect(parseResultLine('')).toBeUndefined();
    expect(parseResultLine('{"something":"else"}\nplain')).toBeUndefined();
  });
});

describe('describeFailure', () => {
  it('names the image build', () => {
    const run = recorded('build-failure');
    const failure = describeFailure({ command: 'up', result: parseResultLine(run.stdout), failedStep: undefined, exitCode: run.exitCode });
    expect(failure).toEqual({ step: 'build', message: 'The dev container image build failed: An error occurred building the image.' });
  });

  it('names the lifecycle command', () => {
    const run = recorded('lifecycle-failure');
    const failure = describeFailure({ command: 'up', result: parseResultLine(run.stdout), failedStep: 'postCreateCommand', exitCode: 1 });
    expect(failure).toEqual({ step: 'postCreateCommand', message: "The dev container's postCreateCommand failed: postCreateCommand from devcontainer.json failed." });
    // Without progress events the description still names it.
    expect(describeFailure({ command: 'up', result: parseResultLine(run.stdout), failedStep: undefined, exitCode: 1 }).step).toBe('postCreateCommand');
  });

  it('falls back to the CLI command and its exit code when there is no result line', () => {
    expect(describeFailure({ command: 'up', result: undefined, failedStep: undefined, exitCode: 137 }))
      .toEqual({ step: 'devcontainer up', message: 'devcontainer up failed: the CLI exited with code 137 without a result line' });
  });
});

describe('cliLevelToCoder', () => {
  it('maps the CLI levels 1-6 to Coder levels, unknown to info', () => {
    expect([1, 2, 3, 4, 5, 6].map(cliLevelToCoder)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'error']);
    expect(cliLevelToCoder(undefined)).toBe('info');
    expect(cliLevelToCoder('3')).toBe('info');
  });
});
