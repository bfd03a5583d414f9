import { describe, expect, it } from 'vitest';
import { JsoncSyntaxError, parseJsonc } from '../../../builder/devcontainer/jsonc.js';

function syntaxError(text: string): JsoncSyntaxError {
  try {
    parseJsonc(text);
  } catch (error) {
    if (error instanceof JsoncSyntaxError) return error;
    throw error;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('parseJsonc', () => {
  it('issue 10.3: reads JSON with line and block comments and trailing commas', () => {
    const text = [
      '\uFEFF// A dev container',
      '{',
      '  /* the image */ "image": "mcr.microsoft.com/devcontainers/base:debian", // trailing comment',
      '  "features": {',
      '    "ghcr.io/devcontainers/features/node:1": { "version": "20", },',
      '  },',
      '  "runArgs": ["--cap-add=SYS_PTRACE", ],',
      '  /* multi',
      '     line */',
      '}',
      '',
    ].join('\n');
    expect(parseJsonc(text)).toEqual({
      image: 'mcr.microsoft.com/devcontainers/base:debian',
      features: { 'ghcr.io/devcontainers/features/node:1': { version: '20' } },
      runArgs: ['--cap-add=SYS_PTRACE'],
    });
  });

  it('issue 10.3: keeps // and /* inside strings, and decodes escapes', () => {
    expect(parseJsonc('{"url": "https://example.com//x", "c": "/* not a comment */", "e": "a\\"b\\\\c\\n\\u00e9\\/"}'))
      .toEqual({ url: 'https://example.com//x', c: '/* not a comment */', e: 'a"b\\c\n\u00e9/' });
  });

  it('reads every JSON value as JSON.parse does', () => {
    const json = '{"a":[1,-2.5,3e2,true,false,null,{"b":""}],"n":0,"s":"x y"}';
    expect(parseJsonc(json)).toEqual(JSON.parse(json));
  });

  it('keeps a "__proto__" key as data', () => {
    const value = parseJsonc('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['{\n  "image": "debian"\n  "remoteUser": "vscode"\n}', 3, 3, 'expected "," or "}" but found "\\""'],
    ['{\n  "image": "debian",,\n}', 2, 21, 'expected a property name in double quotes or "}" but found ","'],
    ["{\n  'image': 'debian'\n}", 2, 3, "expected a property name in double quotes or \"}\" but found ' (strings need double quotes)"],
    ['{\n  "image": "debian\n}', 2, 12, 'unterminated string (a line break inside a string must be written \\n)'],
    ['{"a": 1 /* open', 1, 9, 'unterminated /* comment'],
    ['{"a": }', 1, 7, 'expected a value but found "}"'],
    ['{"a": 1', 1, 8, 'expected "," or "}" but found the end of the file'],
    ['{"a": 1} x', 1, 10, 'unexpected "x" after the end of the document'],
    ['  // only a comment\n', 2, 1, 'the file is empty; expected a JSON object'],
    ['{"a": "\\x"}', 1, 8, 'invalid escape sequence in a string'],
  ])('issue 10.3: a syntax error names its line and column: %j', (text, line, column, problem) => {
    const error = syntaxError(text);
    expect({ line: error.line, column: error.column, problem: error.problem }).toEqual({ line, column, problem });
    expect(error.message).toBe(`${problem} at line ${line}, column ${column}`);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(syntaxError('['.repeat(10_000)).problem).toBe('nesting deeper than 200 levels');
  });
});
