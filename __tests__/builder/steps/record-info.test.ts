import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { describeBuild, encodeRecordFiles, INFO_DIR, infoKey, RECORD_WRITE_SCRIPT, recordContainerInfo, recordInContainer } from '../../../builder/steps/record-info.js';
import { World } from '../commands/harness.js';

describe('recordContainerInfo', () => {
  let world: World | undefined;
  const dirs: string[] = [];
  afterEach(() => {
    world?.remove();
    world = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('asks Docker for the image and writes name, image and build time as root with one exec, values on stdin only', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['inspect'], stdout: 'vsc-sample-1234-uid' }]);
    const log = new Logger(new MemorySink());
    const name = 'My "zebra" $(container)';
    expect(await recordContainerInfo({ log, containerId: 'c1', info: { name, built: '2026-11-27 10:12 UTC (41.2 s)' } })).toEqual({ image: 'vsc-sample-1234-uid' });
    const calls = world.recordedCalls();
    expect(calls.map((c) => c.args.slice(0, 6))).toEqual([
      ['inspect', '--format', '{{.Config.Image}}', 'c1'],
      ['exec', '-i', '-u', 'root', 'c1', 'sh'],
    ]);
    expect(calls[1]!.args.join(' ')).not.toContain('zebra');
    expect(calls[1]!.stdin).toBe(`${INFO_DIR}/name\n1\n${name}\n${INFO_DIR}/image\n1\nvsc-sample-1234-uid\n${INFO_DIR}/built\n1\n2026-11-27 10:12 UTC (41.2 s)\n`);
  });

  it('only warns when Docker fails: the metadata must not fail the workspace', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['inspect'], stderr: 'No such object: c1', exit: 1 }]);
    const sink = new MemorySink();
    expect(await recordContainerInfo({ log: new Logger(sink), containerId: 'c1', info: { name: 'n', built: 'b' } })).toBeUndefined();
    expect(sink.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      "Could not record the dev container's name, image and build time for the Coder UI: docker exited with code 1",
    ]);
  });

  // The script the container runs, executed here by a real sh against a temp folder.
  it('writes each file whole, never interpreting the values, and fails on a short input', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'record-info-'));
    dirs.push(dir);
    const files = [
      { path: `${dir}/info/name`, content: '$(touch /tmp/pwned) `x` \\n\n' },
      { path: `${dir}/vscode/extensions.txt`, content: '' },
      { path: `${dir}/vscode/machine-settings.json`, content: '{\n  "a": "  b\\\\"\n}\n' },
    ];
    execFileSync('sh', ['-c', RECORD_WRITE_SCRIPT, 'sh'], { input: encodeRecordFiles(files) });
    expect(files.map((f) => readFileSync(f.path, 'utf8'))).toEqual(files.map((f) => f.content));
    expect(readdirSync(path.join(dir, 'vscode')).sort()).toEqual(['extensions.txt', 'machine-settings.json']);
    const short = encodeRecordFiles([{ path: `${dir}/x`, content: 'a\nb\n' }]).replace(/b\n$/, '');
    expect(() => execFileSync('sh', ['-c', RECORD_WRITE_SCRIPT, 'sh'], { input: short, stdio: 'pipe' })).toThrow();
    expect(existsSync(`${dir}/x`)).toBe(false);
    expect(() => encodeRecordFiles([{ path: `${dir}/y`, content: 'no newline' }])).toThrow(/newline/);
  });

  it('writes nothing when the state recorded the same facts and VS Code record for the same container', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['inspect'], stdout: 'img' }]);
    const log = new Logger(new MemorySink());
    const info = { name: 'n', built: '2026-11-27 10:12 UTC (41.2 s)' };
    const extensions = { input: 'sha256:in', list: ['a.b'], files: [{ path: '/r/extensions.txt', content: 'a.b\n' }] };
    const first = await recordInContainer({ log, containerId: 'c1', info, extensions });
    expect(first).toEqual({ containerId: 'c1', info: infoKey(info), extensions: { input: 'sha256:in', list: ['a.b'] } });
    expect(world.recordedCalls().filter((c) => c.args[0] === 'exec')).toHaveLength(1);

    const again = await recordInContainer({ log, containerId: 'c1', info, extensions: { input: 'sha256:in', list: ['a.b'] }, previous: first });
    expect(again).toEqual(first);
    expect(world.recordedCalls()).toHaveLength(2);

    // Another container, a new build time or a new VS Code record: written again, only what changed.
    await recordInContainer({ log, containerId: 'c2', info, extensions: { input: 'sha256:in', list: ['a.b'] }, previous: first });
    await recordInContainer({ log, containerId: 'c1', info: { ...info, built: 'later' }, extensions: { input: 'sha256:in', list: ['a.b'] }, previous: first });
    await recordInContainer({ log, containerId: 'c1', info, extensions: { ...extensions, input: 'sha256:new' }, previous: first });
    const execs = world.recordedCalls().filter((c) => c.args[0] === 'exec');
    expect(execs).toHaveLength(4);
    expect(execs.slice(1).map((c) => c.stdin.split('\n').filter((l) => l.startsWith('/')))).toEqual([
      [`${INFO_DIR}/name`, `${INFO_DIR}/image`, `${INFO_DIR}/built`],
      [`${INFO_DIR}/name`, `${INFO_DIR}/image`, `${INFO_DIR}/built`],
      ['/r/extensions.txt'],
    ]);
  });

  it('keeps in the state only what was written when the exec fails', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['inspect'], stdout: 'img' }, { tool: 'docker', args: ['exec'], stderr: 'no sh', exit: 126 }]);
    const sink = new MemorySink();
    const info = { name: 'n', built: 'b' };
    const previous = { containerId: 'c1', info: infoKey(info), extensions: { input: 'sha256:old', list: [] } };
    const recorded = await recordInContainer({ log: new Logger(sink), containerId: 'c1', info, extensions: { input: 'sha256:new', list: [], files: [{ path: '/r/x', content: '\n' }] }, previous });
    expect(recorded).toEqual({ containerId: 'c1', info: infoKey(info), extensions: undefined });
    expect(sink.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      'VS Code extensions: could not record the list in the dev container: docker exited with code 126. IDEs that start later will not install them.',
    ]);
  });
});

describe('describeBuild', () => {
  it('says when, in UTC to the minute, and how long', () => {
    expect(describeBuild(new Date('2026-11-27T10:12:59.000Z'), 41_234)).toBe('2026-11-27 10:12 UTC (41.2 s)');
  });
});
