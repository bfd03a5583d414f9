// Runs the live-cluster validation kit (tests/workspace-test.bats) against the
// stand-in `coder` and `kubectl` in __tests__/fixtures/kit/bin, which replay
// recorded output of a healthy and of broken workspaces. Proves the kit passes
// a working workspace, fails a broken one saying what is wrong, and always
// deletes the workspace it created.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bats = path.join(root, 'node_modules/bats/bin/bats');
const kit = path.join(root, 'tests/workspace-test.bats');
const fixtures = path.join(root, '__tests__/fixtures/kit');
const WORKSPACE_ID = 'c5b0e2f4-8d1a-4b7e-9f3c-2a6d5e8b1c04';

interface KitRun {
  readonly exitCode: number;
  readonly output: string;
  readonly calls: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs the kit with the stand-ins first on PATH and short timeouts. */
// Generous timeouts: a healthy run ends as soon as the recorded workspace is
// ready, and two shared cores can be slow to start the many short processes.
async function runKit(scenario: string, env: Record<string, string> = {}): Promise<KitRun> {
  const state = await mkdtemp(path.join(tmpdir(), 'kit-state-'));
  cleanups.push(() => rm(state, { recursive: true, force: true }));
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(fixtures, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    KIT_SCENARIO: path.join(fixtures, scenario),
    KIT_STATE: state,
    WORKSPACE_TEST_NAME: 'kit-test',
    WORKSPACE_TEST_BRANCH: 'feature/kit',
    WORKSPACE_TEST_POLL_INTERVAL: '0.2',
    WORKSPACE_TEST_BUILD_TIMEOUT: '90',
    WORKSPACE_TEST_AGENT_TIMEOUT: '90',
    WORKSPACE_TEST_APPS_TIMEOUT: '90',
    WORKSPACE_TEST_POD_TIMEOUT: '90',
    ...env,
  };
  const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>((resolve) => {
    execFile('bash', [bats, '--formatter', 'tap', kit], { env: childEnv, cwd: root, timeout: 240_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ exitCode: code, output: `${stdout}${stderr}` });
    });
  });
  const calls = (await readFile(path.join(state, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { exitCode, output, calls };
}

const tapLine = (output: string, n: number) => output.split('\n').find((l) => new RegExp(`^(not )?ok ${n} `).test(l));

describe('tests/workspace-test.bats', { timeout: 300_000 }, () => {
  it('passes a healthy workspace, rebuilds it when asked, and deletes it afterwards', async () => {
    const run = await runKit('healthy', { WORKSPACE_TEST_REBUILD: 'true' });
    expect(run.output).not.toContain('not ok');
    expect(run.exitCode).toBe(0);
    for (const n of [1, 2, 3, 4, 5, 6, 8]) expect(tapLine(run.output, n)).toMatch(/^ok \d+ [^#]+$/);
    // goss is optional: skipped where it is not installed (it is not on these machines).
    expect(tapLine(run.output, 7)).toMatch(/^ok 7 goss checks pass/);
    expect(run.calls[0]).toBe(
      'coder create kit-test --template coder-devcontainer-kubernetes --parameter cpu=2 --parameter memory=4 ' +
        '--parameter workspaces_volume_size=10 --parameter docker_volume_size=30 --parameter git_branch=feature/kit ' +
        '--parameter repository=https://github.com/vgijssel/setup.git --yes',
    );
    expect(run.calls).toContain(
      `kubectl get pods --namespace coder-workspace --selector com.coder.workspace.id=${WORKSPACE_ID} --output json`,
    );
    expect(run.calls).toContain('coder restart kit-test --yes --ephemeral-parameter rebuild=true');
    expect(run.calls.at(-1)).toBe('coder delete kit-test --yes');
  });

  it('passes the parameters and namespace taken from the environment', async () => {
    const run = await runKit('healthy', {
      WORKSPACE_TEST_CPU: '4',
      WORKSPACE_TEST_MEMORY: '8',
      WORKSPACE_TEST_REPOSITORY: 'git@github.com:vgijssel/setup.git',
      WORKSPACE_TEST_NAMESPACE: 'elsewhere',
      WORKSPACE_TEST_POD_TIMEOUT: '1',
    });
    expect(run.calls[0]).toContain('--parameter cpu=4 --parameter memory=8');
    expect(run.calls[0]).toContain('--parameter repository=git@github.com:vgijssel/setup.git');
    // The recorded pod lives in coder-workspace, so asking elsewhere finds none.
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('no pod with label com.coder.workspace.id=' + WORKSPACE_ID + ' in namespace elsewhere');
    expect(run.calls.at(-1)).toBe('coder delete kit-test --yes');
  });

  it('fails a workspace whose dev container build fails, naming the builder error and the crash-looping init container', async () => {
    const run = await runKit('broken-builder', { WORKSPACE_TEST_APPS_TIMEOUT: '3' });
    expect(run.exitCode).not.toBe(0);
    expect(tapLine(run.output, 1)).toMatch(/^ok 1 /);
    expect(tapLine(run.output, 2)).toMatch(/^not ok 2 /);
    expect(run.output).toContain('because the workspace pod is broken: container "devcontainer-builder" is waiting (CrashLoopBackOff');
    expect(run.output).toContain('last run exited 1 (Error)');
    expect(tapLine(run.output, 4)).toMatch(/^not ok 4 /);
    expect(run.output).toContain('the builder logged 2 error line(s) under "Dev Container"');
    expect(run.output).toContain('devcontainer.json: Unexpected token }');
    expect(tapLine(run.output, 5)).toMatch(/^not ok 5 /);
    expect(run.output).toContain('apps not healthy: code-server=initializing');
    expect(tapLine(run.output, 6)).toMatch(/^not ok 6 /);
    expect(run.output).toContain('-c devcontainer-builder');
    expect(run.calls.at(-1)).toBe('coder delete kit-test --yes');
  });

  it('fails a workspace that came up in the recovery container, although everything else looks healthy', async () => {
    const run = await runKit('recovery');
    expect(run.exitCode).not.toBe(0);
    for (const n of [1, 2, 3, 5, 6]) expect(tapLine(run.output, n)).toMatch(/^ok \d+ /);
    expect(tapLine(run.output, 4)).toMatch(/^not ok 4 the builder reported success/);
    expect(run.output).toContain('the builder logged 6 error line(s) under "Dev Container"');
    expect(run.output).toContain('Starting the RECOVERY container (mcr.microsoft.com/devcontainers/base:bookworm)');
    expect(run.calls.at(-1)).toBe('coder delete kit-test --yes');
  });

  it('fails when the workspace build itself failed, quoting the provisioner error, and still deletes the workspace', async () => {
    const run = await runKit('build-failed');
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('not ok 1 setup_file failed');
    expect(run.output).toContain('coder create kit-test failed');
    expect(run.output).toContain('build #1 (start) is "failed" (job failed): terraform apply: exit status 1: Error: namespaces "coder-workspace" not found');
    expect(run.calls.at(-1)).toBe('coder delete kit-test --yes');
  });

  it('fails with a clear message when coder create fails, and deletes nothing that does not exist', async () => {
    const run = await runKit('create-fails');
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('coder create kit-test failed (is the template pushed and are the parameters valid?)');
    expect(run.output).toContain('Parameter "git_branch" is invalid');
    expect(run.calls.filter((c) => c.startsWith('coder delete'))).toEqual([]);
  });

  it('fails before creating anything when a timeout is not a number', async () => {
    const run = await runKit('healthy', { WORKSPACE_TEST_AGENT_TIMEOUT: '10m' });
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('WORKSPACE_TEST_AGENT_TIMEOUT must be a whole number of seconds, got "10m"');
    expect(run.calls).toEqual([]);
  });
});
