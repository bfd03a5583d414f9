import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleSink, formatConsoleLine } from '../../../builder/log/console-sink.js';

describe('ConsoleSink', () => {
  it('formats time, padded level and text', () => {
    const time = new Date('2026-11-27T10:22:38.123Z');
    expect(formatConsoleLine({ time, level: 'warn', text: 'careful' })).toBe('2026-11-27T10:22:38.123Z WARN  careful\n');
    expect(formatConsoleLine({ time, level: 'error', text: 'x' })).toBe('2026-11-27T10:22:38.123Z ERROR x\n');
  });

  it('survives a stream that fails, and stops writing to it', async () => {
    let writes = 0;
    const out = new Writable({
      write(_chunk, _encoding, callback) {
        writes += 1;
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const sink = new ConsoleSink({ out });
    sink.write({ time: new Date(), level: 'info', text: 'first' });
    await new Promise((resolve) => setImmediate(resolve));
    sink.write({ time: new Date(), level: 'info', text: 'second' });
    await sink.flush(100);
    expect(writes).toBe(1);
  });

  it('adds one error listener per stream, however many sinks use it', () => {
    const out = new PassThrough();
    for (let i = 0; i < 20; i++) new ConsoleSink({ out });
    expect(out.listenerCount('error')).toBe(1);
  });
});
