import { describe, expect, it } from 'vitest';
import { extensionIdOf, parseExtensionEntry } from '../../../builder/extensions/extension-entry.js';

describe('parseExtensionEntry', () => {
  it.each([
    ['ms-python.python', 'ms-python.python'],
    ['EditorConfig.EditorConfig', 'editorconfig.editorconfig'],
    ['golang.go@0.41.4', 'golang.go'],
    ['golang.go@1.0.0-rc.1+build.5', 'golang.go'],
    ['github.copilot@prerelease', 'github.copilot'],
  ])('adds %s under the key %s', (entry, key) => {
    expect(parseExtensionEntry(entry)).toEqual({ kind: 'add', key, spec: entry });
  });

  it('adds an absolute VSIX path as it is', () => {
    expect(parseExtensionEntry('/opt/ext/My.Tool-1.0.0.vsix')).toEqual({
      kind: 'add',
      key: '/opt/ext/My.Tool-1.0.0.vsix',
      spec: '/opt/ext/My.Tool-1.0.0.vsix',
    });
  });

  it('reads "-publisher.name" as a removal', () => {
    expect(parseExtensionEntry('-Dbaeumer.vscode-eslint')).toEqual({ kind: 'remove', key: 'dbaeumer.vscode-eslint' });
  });

  it.each([
    ['python', 'expected "publisher.name", "publisher.name@version" or "-publisher.name"'],
    ['a.b.c', 'expected "publisher.name", "publisher.name@version" or "-publisher.name"'],
    ['-a', 'a removal must be "-publisher.name"'],
    ['-a.b@1.0.0', 'a removal must be "-publisher.name"'],
    ['a.b@latest', '"latest" is neither a version (1.2.3) nor "prerelease"'],
    ['a.b; rm -rf /', 'expected "publisher.name", "publisher.name@version" or "-publisher.name"'],
    ['relative/tool.vsix', 'expected "publisher.name", "publisher.name@version" or "-publisher.name"'],
  ])('fails for %j', (entry, reason) => {
    expect(parseExtensionEntry(entry)).toEqual({ kind: 'invalid', entry, reason });
  });

  it('fails for a value that is not a string', () => {
    expect(parseExtensionEntry({ id: 'a.b' })).toEqual({ kind: 'invalid', entry: '{"id":"a.b"}', reason: 'not a string' });
  });
});

describe('extensionIdOf', () => {
  it('drops the version pin and keeps paths', () => {
    expect(extensionIdOf('golang.go@0.41.4')).toBe('golang.go');
    expect(extensionIdOf('golang.go')).toBe('golang.go');
    expect(extensionIdOf('/opt/a@b.vsix')).toBe('/opt/a@b.vsix');
  });
});
