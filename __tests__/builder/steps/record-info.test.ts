import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { describeBuild, INFO_DIR, recordContainerInfo } from '../../../builder/steps/record-info.js';
import { World } from '../commands/harness.js';

describe('recordContainerInfo', () => {
  let world: World | undefined;
  const dirs: string[] = [];
  afterEach(() => {
    world?.remove();
    world = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('asks Docker for the image and writes name, image and build time as root, values on stdin only', async () => {
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
    expect(calls[1]!.args.at(-1)).toBe(INFO_DIR);
    expect(calls[1]!.args.join(' ')).not.toContain('zebra');
    expect(calls[1]!.stdin).toBe(`${name}\nvsc-sample-1234-uid\n2026-11-27 10:12 UTC (41.2 s)\n`);
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
  it('writes one file per fact, never interpreting the values', async () => {
    world = new World();
    world.script([{ tool: 'docker', args: ['inspect'], stdout: 'img' }]);
    await recordContainerInfo({ log: new Logger(new MemorySink()), containerId: 'c1', info: { name: '$(touch /tmp/pwned) `x`', built: 'when' } });
    const call = world.recordedCalls()[1]!;
    const script = call.args[call.args.indexOf('-c') + 1]!;
    const dir = mkdtempSync(path.join(tmpdir(), 'record-info-'));
    dirs.push(dir);
    execFileSync('sh', ['-c', script, 'sh', dir], { input: call.stdin });
    expect(['name', 'image', 'built'].map((f) => readFileSync(path.join(dir, f), 'utf8'))).toEqual(['$(touch /tmp/pwned) `x`\n', 'img\n', 'when\n']);
  });
});

describe('describeBuild', () => {
  it('says when, in UTC to the minute, and how long', () => {
    expect(describeBuild(new Date('2026-11-27T10:12:59.000Z'), 41_234)).toBe('2026-11-27 10:12 UTC (41.2 s)');
  });
});
