// Unit tests of the kit's checks (tests/lib/checks.mjs) on the recorded output
// in __tests__/fixtures/kit, plus the exit codes of its command line.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkAgent, checkApps, checkBuild, checkBuilderLogs, checkLogSource, checkPod, parseAgentLogs, workspaceId,
} from '../../tests/lib/checks.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = (rel: string) => readFileSync(path.join(root, '__tests__/fixtures/kit', rel), 'utf8');
// The few fields of the recorded JSON that tests change to make variants.
interface RecordedAgent { lifecycle_state: string; log_sources: { display_name: string }[] }
interface RecordedWorkspace { latest_build: { resources: { agents: RecordedAgent[] }[] } }
interface RecordedPodList { items: { status: { initContainerStatuses: { state: unknown }[] } }[] }

const json = (rel: string) => JSON.parse(fixture(rel)) as RecordedWorkspace[];
const NAME = 'kit-test';
const agentOf = (list: RecordedWorkspace[]) => list[0].latest_build.resources[1].agents[0];

describe('checkBuild', () => {
  it('is pending while the provisioner job runs and ok once the build is running', () => {
    expect(checkBuild(json('healthy/coder-list/1-build-starting.json'), NAME).state).toBe('pending');
    expect(checkBuild(json('healthy/coder-list/4-ready.json'), NAME)).toEqual({ state: 'ok', message: 'workspace "kit-test" build #1 (start) is running' });
  });

  it('fails quoting the job error when the build failed', () => {
    const verdict = checkBuild(json('build-failed/coder-list/1-build-failed.json'), NAME);
    expect(verdict.state).toBe('failed');
    expect(verdict.message).toContain('namespaces "coder-workspace" not found');
  });

  it('is pending while the workspace is not listed', () => {
    expect(checkBuild([], NAME)).toEqual({ state: 'pending', message: 'workspace "kit-test" is not in coder list (found: none)' });
  });
});

describe('checkAgent', () => {
  it('is ok only when connected and ready', () => {
    expect(checkAgent(json('healthy/coder-list/3-agent-starting.json'), NAME).state).toBe('pending');
    expect(checkAgent(json('healthy/coder-list/4-ready.json'), NAME).state).toBe('ok');
  });

  it('fails when the lifecycle can no longer become ready', () => {
    const list = json('healthy/coder-list/4-ready.json');
    agentOf(list).lifecycle_state = 'start_error';
    expect(checkAgent(list, NAME)).toMatchObject({ state: 'failed', message: expect.stringContaining('lifecycle start_error') });
  });

  it('fails at once, with the build error, when the build failed', () => {
    const verdict = checkAgent(json('build-failed/coder-list/1-build-failed.json'), NAME);
    expect(verdict.state).toBe('failed');
    expect(verdict.message).toContain('is "failed"');
  });

  it('is pending for an agent name that is not there', () => {
    expect(checkAgent(json('healthy/coder-list/4-ready.json'), NAME, 'dev').message).toBe('agent "dev" not found in workspace "kit-test" (agents: main)');
  });
});

describe('checkLogSource', () => {
  it('finds the Dev Container source by its fixed id', () => {
    expect(checkLogSource(json('healthy/coder-list/1-build-starting.json'), NAME).state).toBe('pending');
    expect(checkLogSource(json('healthy/coder-list/2-dev-container-building.json'), NAME).state).toBe('ok');
  });

  it('fails when the fixed id carries another display name', () => {
    const list = json('healthy/coder-list/4-ready.json');
    agentOf(list).log_sources[1].display_name = 'Devcontainer';
    expect(checkLogSource(list, NAME).message).toBe('log source 1a02c755-957a-4887-ba1f-72fa21a4ac7d is named "Devcontainer", expected "Dev Container"');
  });
});

describe('checkBuilderLogs', () => {
  it('parses agent lines of coder logs and leaves provisioner lines out', () => {
    const lines = parseAgentLogs(fixture('healthy/coder-logs.txt'));
    expect(lines.every((l) => l.agent === 'main')).toBe(true);
    expect(lines.filter((l) => l.source === 'Dev Container')).toHaveLength(8);
    expect(lines[3]).toMatchObject({ level: 'warn', source: 'Dev Container' });
  });

  it('is ok for the healthy log and fails quoting the error lines of the broken one', () => {
    expect(checkBuilderLogs(fixture('healthy/coder-logs.txt')).state).toBe('ok');
    const verdict = checkBuilderLogs(fixture('broken-builder/coder-logs.txt'));
    expect(verdict.state).toBe('failed');
    expect(verdict.message).toContain('The dev container could not be built: devcontainer up failed (exit code 1)');
  });

  it('fails a workspace running in the recovery container, whose builder exited 0', () => {
    const verdict = checkBuilderLogs(fixture('recovery/coder-logs.txt'));
    expect(verdict.state).toBe('failed');
    expect(verdict.message).toContain('Starting the RECOVERY container');
  });

  it('is pending until a line matches the success pattern, when one is given', () => {
    expect(checkBuilderLogs(fixture('healthy/coder-logs.txt'), { successPattern: 'The dev container [0-9a-f]+ is ready' }).state).toBe('ok');
    expect(checkBuilderLogs(fixture('healthy/coder-logs.txt'), { successPattern: 'never printed' }).state).toBe('pending');
  });

  it('is pending when the source has no lines yet', () => {
    expect(checkBuilderLogs(fixture('build-failed/coder-logs.txt')).state).toBe('pending');
  });
});

describe('checkApps', () => {
  it('waits for code-server to be healthy', () => {
    expect(checkApps(json('healthy/coder-list/3-agent-starting.json'), NAME)).toEqual({ state: 'pending', message: 'apps not healthy: code-server=initializing' });
    expect(checkApps(json('healthy/coder-list/4-ready.json'), NAME).state).toBe('ok');
  });

  it('fails when a required app is missing', () => {
    expect(checkApps(json('healthy/coder-list/4-ready.json'), NAME, { required: ['code-server', 'jupyter'] }))
      .toEqual({ state: 'failed', message: 'app(s) jupyter missing on agent "main" (apps: code-server)' });
  });
});

describe('checkPod', () => {
  const pods = (rel: string) => JSON.parse(fixture(rel)) as RecordedPodList;

  it('is ok for the healthy pod', () => {
    expect(checkPod(pods('healthy/kubectl-get-pods.json')).state).toBe('ok');
  });

  it('fails on a crash-looping builder, naming its last exit code', () => {
    const verdict = checkPod(pods('broken-builder/kubectl-get-pods.json'));
    expect(verdict.state).toBe('failed');
    expect(verdict.message).toMatch(/"devcontainer-builder" is waiting \(CrashLoopBackOff.*last run exited 1 \(Error\)/);
  });

  it('fails when the dind sidecar terminated, pointing at native sidecar support', () => {
    const list = pods('healthy/kubectl-get-pods.json');
    list.items[0].status.initContainerStatuses[0].state = { terminated: { exitCode: 0, reason: 'Completed' } };
    expect(checkPod(list).message).toContain('a native sidecar must keep running');
  });

  it('fails when the builder exited non-zero', () => {
    const list = pods('healthy/kubectl-get-pods.json');
    list.items[0].status.initContainerStatuses[1].state = { terminated: { exitCode: 2, reason: 'Error' } };
    expect(checkPod(list)).toMatchObject({ state: 'failed', message: expect.stringContaining('terminated (Error, exit code 2), expected Completed with exit code 0') });
  });

  it('is pending while the builder runs, while there is no pod, and while an old pod is going', () => {
    const list = pods('healthy/kubectl-get-pods.json');
    list.items[0].status.initContainerStatuses[1].state = { running: { startedAt: '2026-11-20T09:00:20Z' } };
    expect(checkPod(list).state).toBe('pending');
    expect(checkPod({ items: [] }).state).toBe('pending');
    const two = pods('healthy/kubectl-get-pods.json');
    two.items.push(structuredClone(two.items[0]));
    expect(checkPod(two).message).toBe('2 pods with label com.coder.workspace.id=<id>: waiting for the old one to go');
  });
});

describe('tests/lib/check.mjs', () => {
  const cli = path.join(root, 'tests/lib/check.mjs');
  const run = (args: string[], input: string) => spawnSync('node', [cli, ...args], { input, encoding: 'utf8' });

  it('exits 0 for ok, 1 for pending, 2 for failed', () => {
    expect(run(['build', '--name', NAME], fixture('healthy/coder-list/4-ready.json')).status).toBe(0);
    expect(run(['build', '--name', NAME], fixture('healthy/coder-list/1-build-starting.json')).status).toBe(1);
    expect(run(['build', '--name', NAME], fixture('build-failed/coder-list/1-build-failed.json')).status).toBe(2);
  });

  it('prints the workspace id', () => {
    expect(execFileSync('node', [cli, 'workspace-id', '--name', NAME], { input: fixture('healthy/coder-list/4-ready.json'), encoding: 'utf8' }).trim())
      .toBe(workspaceId(json('healthy/coder-list/4-ready.json'), NAME).message);
  });

  it('treats output that is not JSON as pending', () => {
    const result = run(['agent', '--name', NAME], 'error: Trace=[...] connection refused\n');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('output is not JSON: error: Trace=[...] connection refused');
  });

  it('fails with usage 64 for an unknown check', () => {
    const result = run(['nope'], '[]');
    expect(result.status).toBe(64);
    expect(result.stderr).toContain('unknown check "nope"');
  });
});
