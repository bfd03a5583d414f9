import { describe, expect, it } from 'vitest';
import { lifecycleStepOf, parseEventLine, RawLineBuffer } from '../../../builder/devcontainer/events.js';
import { recorded } from './fixtures.js';

describe('parseEventLine', () => {
  it('parses every line of a recorded run without throwing, keeping non-JSON lines as plain', () => {
    const events = recorded('build-failure').stderrLines.map(parseEventLine);
    const types = new Set(events.map((e) => e.type));
    expect(types).toEqual(new Set(['text', 'raw', 'start', 'stop', 'plain']));
    // The CLI prints the error's stack trace as plain text after the JSON events.
    expect(events.some((e) => e.type === 'plain' && e.text.startsWith('Error: Command failed: docker build'))).toBe(true);
  });

  it('reads type, level, timestamps and progress fields', () => {
    expect(parseEventLine('{"type":"stop","level":2,"timestamp":20,"text":"Run: x","startTimestamp":5}'))
      .toEqual({ type: 'stop', level: 2, timestamp: 20, text: 'Run: x', startTimestamp: 5 });
    expect(parseEventLine('{"type":"progress","name":"Running postCreateCommand...","status":"running","stepDetail":"npm ci","channel":"postCreate"}'))
      .toEqual({ type: 'progress', name: 'Running postCreateCommand...', status: 'running', stepDetail: 'npm ci' });
  });

  it('treats malformed or unknown JSON as plain text', () => {
    for (const line of ['{"type":"text"', '{"type":"mystery","text":"x"}', '{"type":"text","text":5}', '[1,2]', 'null', '', '  at foo (bar.js:1:2)']) {
      expect(parseEventLine(line)).toEqual({ type: 'plain', text: line });
    }
  });
});

describe('RawLineBuffer', () => {
  it('joins chunks split mid-line and splits chunks holding several lines', () => {
    const buffer = new RawLineBuffer();
    expect(buffer.push('Step 1/5 : ARG X')).toEqual([]);
    expect(buffer.push('\nStep 2/5 : FROM y\n ---> 3e8d\n')).toEqual(['Step 1/5 : ARG X', 'Step 2/5 : FROM y', ' ---> 3e8d']);
    expect(buffer.push('tail without newline')).toEqual([]);
    expect(buffer.flush()).toEqual(['tail without newline']);
    expect(buffer.flush()).toEqual([]);
  });

  it('keeps what a terminal shows after a carriage return and handles CRLF', () => {
    const buffer = new RawLineBuffer();
    expect(buffer.push('Sending build context 1kB\rSending build context 3.6kB\r')).toEqual([]);
    expect(buffer.push('\r\nhello\r\n')).toEqual(['Sending build context 3.6kB', 'hello']);
    expect(buffer.push('10%\r50%\r100%\n')).toEqual(['100%']);
  });
});

describe('lifecycleStepOf', () => {
  it('names the lifecycle command of a progress event', () => {
    expect(lifecycleStepOf('Running postCreateCommand...')).toBe('postCreateCommand');
    expect(lifecycleStepOf('Running postStartCommand...')).toBe('postStartCommand');
    expect(lifecycleStepOf('Installing Dotfiles')).toBeUndefined();
  });
});
