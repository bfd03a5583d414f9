import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../constructs/coder/generated/agent/index.js';
import { START_DIRECTORY_MARKER, StartDirectory, startDirectoryScript } from '../../constructs/start-directory.js';
import { synth, testStack } from './helpers.js';

const haveBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;

function home() {
  const root = mkdtempSync(join(tmpdir(), 'start-dir-'));
  const checkout = join(root, 'workspaces', 'app');
  mkdirSync(checkout, { recursive: true });
  const h = join(root, 'home');
  mkdirSync(h);
  const script = join(root, 'start.sh');
  writeFileSync(script, startDirectoryScript('DEVCONTAINER_WORKSPACE_FOLDER'));
  const run = () => spawnSync('/bin/sh', [script], { env: { PATH: process.env.PATH, HOME: h }, encoding: 'utf8' });
  return { h, checkout, run };
}

describe('StartDirectory', () => {
  it('is a start script of the agent that never blocks login', () => {
    const stack = testStack();
    const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
    new StartDirectory(stack, 'sd', { agent, count: 1, folderVariable: 'DEVCONTAINER_WORKSPACE_FOLDER' });
    const script = synth(stack).resource.coder_script.start_directory;
    expect(script).toMatchObject({ run_on_start: true, start_blocks_login: false, count: 1 });
    expect(script.script).toContain('$${DEVCONTAINER_WORKSPACE_FOLDER:-}');
  });

  it('adds its line to ~/.bashrc once, and to ~/.zshrc only when there is one', () => {
    const { h, run } = home();
    expect(run().status).toBe(0);
    expect(run().status).toBe(0);
    const rc = readFileSync(join(h, '.bashrc'), 'utf8');
    expect(rc.split('\n').filter((l) => l.includes(START_DIRECTORY_MARKER))).toHaveLength(1);
    expect(() => readFileSync(join(h, '.zshrc'))).toThrow();
    writeFileSync(join(h, '.zshrc'), '# mine\n');
    run();
    expect(readFileSync(join(h, '.zshrc'), 'utf8')).toMatch(/^# mine\n.*start in the checkout\n$/);
  });

  it.skipIf(!haveBash)('issue 11.9: an interactive shell that starts in $HOME opens in the checkout; one started elsewhere stays', () => {
    const { h, checkout, run } = home();
    run();
    const pwdIn = (cwd: string) =>
      spawnSync('bash', ['-i', '-c', 'pwd'], { cwd, env: { PATH: process.env.PATH, HOME: h, PWD: cwd, DEVCONTAINER_WORKSPACE_FOLDER: checkout }, encoding: 'utf8' }).stdout.trim();
    expect(pwdIn(h)).toBe(checkout);
    expect(pwdIn(join(checkout, '..'))).toBe(join(checkout, '..'));
  });

  it('rejects a folder variable that is not an environment variable name', () => {
    const stack = testStack();
    const agent = new Agent(stack, 'agent', { arch: 'amd64', os: 'linux' });
    expect(() => new StartDirectory(stack, 'sd', { agent, count: 1, folderVariable: 'x; rm' })).toThrowError(
      'StartDirectory: folderVariable must be an environment variable name, got "x; rm".',
    );
  });
});
