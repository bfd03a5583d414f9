// tests/goss.yaml cannot be run by goss here (not installable on these
// machines), so this test checks it against goss's documented schema and
// evaluates its commands' expectations on the stand-ins' recorded output:
// all must pass for the healthy workspace and the right ones fail for the
// broken one.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commandFailures, gjsonGet, gossfileProblems, matches, renderTemplate } from './gossfile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(root, '__tests__/fixtures/kit');
const WORKSPACE_ID = 'c5b0e2f4-8d1a-4b7e-9f3c-2a6d5e8b1c04';
const env = { WORKSPACE_TEST_NAME: 'kit-test', WORKSPACE_TEST_ID: WORKSPACE_ID };

type Commands = Record<string, Record<string, unknown>>;

async function gossfile(vars: Record<string, string> = env): Promise<{ command: Commands }> {
  const text = await readFile(path.join(root, 'tests/goss.yaml'), 'utf8');
  return parse(renderTemplate(text, vars)) as { command: Commands };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs every command test's exec with `sh -c` (as goss does) against a scenario's stand-ins. */
async function evaluate(scenario: string): Promise<Record<string, string[]>> {
  const state = await mkdtemp(path.join(tmpdir(), 'kit-goss-'));
  cleanups.push(() => rm(state, { recursive: true, force: true }));
  // The workspace exists and `coder list` is past its recorded progression.
  await writeFile(path.join(state, 'created'), '');
  await writeFile(path.join(state, 'list-calls'), '99\n');
  const childEnv = {
    ...process.env,
    ...env,
    PATH: `${path.join(fixtures, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    KIT_SCENARIO: path.join(fixtures, scenario),
    KIT_STATE: state,
  };
  const { command } = await gossfile();
  const results: Record<string, string[]> = {};
  for (const [id, attrs] of Object.entries(command)) {
    const exec = String(attrs.exec ?? id);
    const { stdout, code } = await new Promise<{ stdout: string; code: number }>((resolve) => {
      execFile('sh', ['-c', exec], { env: childEnv, timeout: 60_000 }, (error, out) => {
        resolve({ stdout: out, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 });
      });
    });
    results[id] = commandFailures(attrs, stdout, code);
  }
  return results;
}

describe('tests/goss.yaml', () => {
  it('is a valid gossfile: known resource types, command attributes and matchers', async () => {
    const doc = await gossfile();
    expect(gossfileProblems(doc)).toEqual([]);
    expect(Object.keys(doc.command)).toEqual([
      'workspace-build-running', 'workspace-agent-ready', 'workspace-dev-container-log-source',
      'workspace-apps-healthy', 'builder-logged-no-errors', 'pod-containers',
    ]);
  });

  it('defaults the namespace and takes the workspace from the environment', async () => {
    const { command } = await gossfile();
    expect(command['pod-containers'].exec).toBe(
      `kubectl get pods --output json --namespace coder-workspace --selector com.coder.workspace.id=${WORKSPACE_ID}`,
    );
    const { command: other } = await gossfile({ ...env, WORKSPACE_TEST_NAMESPACE: 'ws' });
    expect(other['pod-containers'].exec).toContain('--namespace ws ');
  });

  it('passes every check on the healthy workspace', async () => {
    const results = await evaluate('healthy');
    expect(results).toEqual(Object.fromEntries(Object.keys(results).map((k) => [k, []])));
  });

  it('fails the agent, apps, builder log and pod checks on the broken builder, saying why', async () => {
    const results = await evaluate('broken-builder');
    expect(results['workspace-dev-container-log-source']).toEqual([]);
    expect(results['workspace-build-running']).toEqual(['gjson #(name=="kit-test").health.healthy: got false']);
    expect(results['workspace-agent-ready']).toContain('gjson #(name=="kit-test").latest_build.resources.#.agents|@flatten|#.status: got ["timeout"]');
    expect(results['workspace-apps-healthy']).toHaveLength(2);
    expect(results['builder-logged-no-errors']).toEqual(['stdout pattern !/\\[error\\] \\[agent\\.[^|]+\\|Dev Container\\]/ not satisfied']);
    expect(results['pod-containers']).toContain('gjson items.0.status.initContainerStatuses.#(name=="devcontainer-builder").state.terminated.reason: got undefined');
  });
});

describe('the gossfile check itself', () => {
  it.each([
    [{ cmd: {} }, 'unknown resource type "cmd"'],
    [{ command: { x: { exec: 'true' } } }, 'command.x: exit-status (an integer) is required'],
    [{ command: { x: { 'exit-status': 0, stdouts: [] } } }, 'command.x: unknown attribute "stdouts"'],
    [{ command: { x: { 'exit-status': 0, stdout: { gjson: { a: { contains: 'b' } } } } } }, 'command.x.stdout.gjson[a]: unknown matcher "contains"'],
    [{ command: { x: { 'exit-status': 0, stdout: { gjson: { 'a.#(b>1)': 1 } } } } }, 'command.x.stdout.gjson[a.#(b>1)]: component "#(b>1)" is outside the supported gjson subset (key, index, #, #(key=="value"), @flatten)'],
    [{ command: { x: { 'exit-status': 0, timeout: '10s' } } }, 'command.x: timeout is in milliseconds, an integer'],
  ])('fails on %j', (doc, problem) => {
    expect(gossfileProblems(doc)).toContain(problem);
  });

  it('fails on template actions it does not render', () => {
    expect(() => renderTemplate('{{ range .Vars.x }}', {})).toThrow('outside what this check renders');
  });

  it('evaluates gjson paths and matchers as documented', () => {
    const doc = { a: [{ n: 'x', b: [{ s: 'ok' }] }, { n: 'y', b: [{ s: 'bad' }, { s: 'ok' }] }] };
    expect(gjsonGet(doc, 'a.#')).toBe(2);
    expect(gjsonGet(doc, 'a.#(n=="y").b.1.s')).toBe('ok');
    expect(gjsonGet(doc, 'a.#.b|@flatten|#.s')).toEqual(['ok', 'bad', 'ok']);
    expect(matches(['ok', 'bad'], { not: { 'contain-element': { not: 'ok' } } })).toBe(false);
    expect(matches(['ok', 'ok'], { and: [{ 'contain-element': 'ok' }, { not: { 'contain-element': { not: 'ok' } } }] })).toBe(true);
    expect(matches('0', 0)).toBe(true);
  });
});
