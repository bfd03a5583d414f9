import { describe, expect, it } from 'vitest';
import { RECORD_DIR, recordPath, renderRecordFiles } from '../../../builder/extensions/recorded.js';

describe('renderRecordFiles', () => {
  const files = renderRecordFiles({
    extensions: ['a.b', 'c.d@1.0.0'],
    settings: { 'editor.tabSize': 2 },
    ignored: [{ entry: 'x', reason: 'y' }],
  });

  it('writes the settings, the plain list and the record, the record last', () => {
    expect(files.map((f) => f.path)).toEqual([
      `${RECORD_DIR}/machine-settings.json`,
      `${RECORD_DIR}/extensions.txt`,
      `${RECORD_DIR}/extensions.json`,
    ]);
  });

  it('writes one install spec per line', () => {
    expect(files[1]!.content).toBe('a.b\nc.d@1.0.0\n');
  });

  it('writes a versioned record', () => {
    expect(JSON.parse(files[2]!.content)).toEqual({
      version: 1,
      extensions: ['a.b', 'c.d@1.0.0'],
      settings: { 'editor.tabSize': 2 },
      ignored: [{ entry: 'x', reason: 'y' }],
    });
    expect(JSON.parse(files[0]!.content)).toEqual({ 'editor.tabSize': 2 });
  });

  it('keeps the documented folder', () => {
    expect(recordPath('record')).toBe('/usr/local/share/devcontainer-builder/vscode/extensions.json');
  });
});
