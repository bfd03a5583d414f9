// Proves moon.yml and .moon/workspace.yml parse, by asking the pinned moon
// binary (@moonrepo/cli) for the project's tasks. Offline: no toolchain is
// configured, so moon downloads nothing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const PROJECT = 'coder-devcontainer-kubernetes';

interface MoonTask {
  readonly target: string;
  readonly command: string;
  readonly args: string[];
  readonly deps: { target: string }[];
  readonly inputFiles: Record<string, unknown>;
  readonly inputGlobs: Record<string, unknown>;
  readonly outputFiles: Record<string, unknown>;
  readonly options: { runInCI: boolean | string; cache: boolean | string };
}

let tasks: Record<string, MoonTask>;

beforeAll(() => {
  const out = execFileSync(join(root, 'node_modules', '.bin', 'moon'), ['tasks', PROJECT, '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, MOON_COLOR: 'false', NO_COLOR: '1' },
  });
  tasks = Object.fromEntries((JSON.parse(out) as MoonTask[]).map((t) => [t.target.split(':')[1], t]));
});

describe('moon tasks', () => {
  it('parses and lists exactly synth, test, build, release and workspace_test', () => {
    expect(Object.keys(tasks).sort()).toEqual(['build', 'release', 'synth', 'test', 'workspace_test']);
  });

  it('keeps the live-cluster kit out of CI: it needs a real Coder deployment', () => {
    expect([tasks.workspace_test.command, ...tasks.workspace_test.args].join(' ')).toBe('bash node_modules/bats/bin/bats tests/workspace-test.bats');
    expect(tasks.workspace_test.options.runInCI).toBe(false);
  });

  it('mirrors the npm scripts', () => {
    expect(['synth', 'test', 'build', 'release'].map((t) => [tasks[t].command, ...tasks[t].args].join(' '))).toEqual([
      'npm run synth',
      'npm test',
      'npm run image:build',
      'npm run image:push',
    ]);
  });

  it('declares the synth inputs and the synthesized template as outputs', () => {
    expect(Object.keys(tasks.synth.inputFiles)).toEqual(expect.arrayContaining(['main.ts', 'cdktf.json', 'version.txt']));
    expect(Object.keys(tasks.synth.inputGlobs)).toEqual(expect.arrayContaining(['constructs/**/*.ts', 'template/**/*']));
    expect(Object.keys(tasks.synth.outputFiles).sort()).toEqual([
      'cdktf.out/stacks/coder-devcontainer-kubernetes/README.md',
      'cdktf.out/stacks/coder-devcontainer-kubernetes/cdk.tf.json',
    ]);
  });

  it('builds the image from version.txt and the builder sources', () => {
    expect(Object.keys(tasks.build.inputFiles)).toEqual(expect.arrayContaining(['version.txt', 'Dockerfile']));
    expect(Object.keys(tasks.build.inputGlobs)).toEqual(expect.arrayContaining(['builder/**/*']));
  });

  it('never releases from CI, and releases only after a build', () => {
    expect(tasks.release.options.runInCI).toBe(false);
    expect(tasks.release.deps.map((d) => d.target)).toEqual([`${PROJECT}:build`]);
    for (const t of ['synth', 'test', 'build']) expect(tasks[t].options.runInCI).not.toBe(false);
  });
});
