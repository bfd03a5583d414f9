import { describe, expect, it } from 'vitest';
import { CliOutput } from '../../../builder/devcontainer/output.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { recorded, type RecordedCase } from './fixtures.js';

function replay(name: RecordedCase) {
  const sink = new MemorySink();
  const output = new CliOutput(new Logger(sink));
  for (const line of recorded(name).stderrLines) output.stderrLine(line);
  output.end();
  return { sink, output };
}

describe('CliOutput on recorded CLI 0.89.0 output', () => {
  it('success: logs lifecycle output as whole lines, at the mapped levels, with no failure', () => {
    const { sink, output } = replay('success');
    const info = sink.lines.filter((l) => l.level === 'info').map((l) => l.text);
    expect(info).toContain('hello from postCreate');
    expect(info).toContain('vscode');
    expect(info).toContain('postCreateCommand: echo hello from postCreate && id -un');
    expect(info).toContain('postCreateCommand: succeeded');
    expect(sink.lines.some((l) => l.level === 'trace' && l.text.startsWith('LifecycleCommandExecutionMap'))).toBe(true);
    expect(sink.texts.every((t) => !t.includes('\n'))).toBe(true);
    expect(output.failedStep).toBeUndefined();
    expect(output.timings.startMs).toBeGreaterThan(0);
    expect(output.timings.buildMs).toBe(0);
  });

  it('build failure: the tail holds the failing RUN output, not the stack trace', () => {
    const { output } = replay('build-failure');
    expect(output.lastLines).toContain('E: Unable to locate package nope');
    expect(output.lastLines.some((l) => l.includes("returned a non-zero code: 100"))).toBe(true);
    expect(output.lastLines.some((l) => /^\s+at /.test(l))).toBe(false);
    expect(output.timings.buildMs).toBeGreaterThan(0);
  });

  it('lifecycle failure: names postCreateCommand and keeps its output', () => {
    for (const name of ['lifecycle-failure', 'run-user-commands-failure'] as const) {
      const { sink, output } = replay(name);
      expect(output.failedStep).toBe('postCreateCommand');
      expect(output.lastLines).toContain('npm ERR! missing script: setup');
      expect(output.lastLines.some((l) => l.includes('failed with exit code 3'))).toBe(true);
      // ANSI colour codes stay in the log (sinks strip them) but not in the failure message.
      expect(output.lastLines.every((l) => !l.includes('\u001b['))).toBe(true);
      expect(sink.lines.some((l) => l.level === 'error' && l.text === 'postCreateCommand: failed')).toBe(true);
    }
  });

  it('drops empty texts and keeps a bounded tail', () => {
    const sink = new MemorySink();
    const output = new CliOutput(new Logger(sink), 3);
    output.stderrLine('{"type":"text","level":2,"timestamp":1,"text":""}');
    output.stderrLine('{"type":"text","level":2,"timestamp":1,"text":"\\u001b[1m\\u001b[31m\\u001b[39m\\u001b[22m\\r\\n"}');
    expect(sink.lines).toEqual([]);
    for (const n of [1, 2, 3, 4]) output.stderrLine(`{"type":"raw","level":3,"timestamp":1,"text":"line ${n}\\n"}`);
    expect(output.lastLines).toEqual(['line 2', 'line 3', 'line 4']);
  });

  it('reports an unfinished build as the failing step', () => {
    const output = new CliOutput(new Logger(new MemorySink()));
    output.stderrLine('{"type":"start","level":3,"timestamp":1,"text":"Run: docker buildx build --load -f Dockerfile ."}');
    output.stderrLine('{"type":"raw","level":3,"timestamp":2,"text":"#5 ERROR: process \\"/bin/sh -c false\\" did not complete"}');
    output.end();
    expect(output.failedStep).toBe('build');
    expect(output.lastLines).toEqual(['#5 ERROR: process "/bin/sh -c false" did not complete']);
  });
});
