import { describe, expect, it } from 'vitest';
import { coderBytes, sanitizeForCoder, splitForCoder, toCoderLevel } from '../../../builder/log/coder-text.js';

describe('sanitizeForCoder', () => {
  it('removes colour and cursor sequences', () => {
    expect(sanitizeForCoder('\u001b[1;31merror\u001b[0m: \u001b[2Kdone')).toBe('error: done');
  });

  it('removes OSC titles and hyperlinks', () => {
    expect(sanitizeForCoder('\u001b]0;title\u0007a \u001b]8;;https://x\u001b\\link\u001b]8;;\u001b\\ b')).toBe('a link b');
  });

  it('keeps the last frame of a carriage-return progress line', () => {
    expect(sanitizeForCoder('10%\r50%\r100%')).toBe('100%');
    expect(sanitizeForCoder('windows line\r')).toBe('windows line');
  });

  it('removes control characters but keeps tabs', () => {
    expect(sanitizeForCoder('a\u0000b\u0007c\td\u007f\u0085e')).toBe('abc\tde');
  });

  it('replaces lone surrogates and keeps valid pairs', () => {
    expect(sanitizeForCoder('x\uD800y 😀')).toBe('x\uFFFDy 😀');
  });
});

describe('sanitizeForCoder fast path', () => {
  it('returns plain text unchanged, tabs, Latin-1 and valid pairs included', () => {
    for (const text of ['', 'plain', 'a\tb ü é ÿ', 'emoji 😀 ok', 'x'.repeat(5000)]) expect(sanitizeForCoder(text)).toBe(text);
  });

  it('still acts on each kind of character the passes handle, wherever it is in a long line', () => {
    const long = 'y'.repeat(3000);
    expect(sanitizeForCoder(`${long}\u001b[31m!`)).toBe(`${long}!`);
    expect(sanitizeForCoder(`${long}\u009b1m!`)).toBe(`${long}!`);
    expect(sanitizeForCoder(`old\r${long}`)).toBe(long);
    expect(sanitizeForCoder(`${long}\u0001\u001f\u007f\u009f`)).toBe(long);
    expect(sanitizeForCoder(`${long}\uDC00`)).toBe(`${long}\uFFFD`);
  });
});

describe('splitForCoder', () => {
  it('keeps short lines whole', () => {
    expect(splitForCoder('short')).toEqual(['short']);
    expect(splitForCoder('')).toEqual(['']);
  });

  it('splits at 1024 characters without losing any', () => {
    const text = 'abcdefghij'.repeat(250);
    const pieces = splitForCoder(text);
    expect(pieces.map((p) => p.length)).toEqual([1024, 1024, 452]);
    expect(pieces.join('')).toBe(text);
  });

  it('counts code points, never halving a surrogate pair', () => {
    const text = '😀'.repeat(1500);
    const pieces = splitForCoder(text);
    expect(pieces.map((p) => Array.from(p).length)).toEqual([1024, 476]);
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((p) => /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p))).toBe(false);
  });
});

describe('coderBytes', () => {
  it('counts UTF-8 bytes like Go len()', () => {
    expect(coderBytes('abc')).toBe(3);
    expect(coderBytes('é')).toBe(2);
    expect(coderBytes('😀')).toBe(4);
  });
});

describe('toCoderLevel', () => {
  it.each([
    ['warning', 'warn'],
    ['ERROR', 'error'],
    ['fatal', 'error'],
    [4, 'warn'],
    [1, 'trace'],
    ['bogus', 'info'],
  ] as const)('maps %s to %s', (input, expected) => {
    expect(toCoderLevel(input)).toBe(expected);
  });
});
