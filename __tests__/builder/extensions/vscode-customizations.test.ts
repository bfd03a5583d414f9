import { describe, expect, it } from 'vitest';
import { parseReadConfigurationOutput } from '../../../builder/extensions/read-configuration.js';
import { resolveVscodeCustomizations } from '../../../builder/extensions/vscode-customizations.js';
import { recordedOutput } from './fixtures.js';

const resolve = (name: Parameters<typeof recordedOutput>[0]) =>
  resolveVscodeCustomizations(parseReadConfigurationOutput(recordedOutput(name)).mergedConfiguration);

describe('resolveVscodeCustomizations (recorded CLI 0.89.0 output)', () => {
  it('unions the image label, the feature and devcontainer.json, honouring "-publisher.name" removals', () => {
    const result = resolve('features-and-removals');
    // Image: github PR + EditorConfig; feature: python, pylint, yaml;
    // devcontainer.json: EditorConfig again, prettier, and removes pylint and yaml.
    expect(result.extensions).toEqual([
      'github.vscode-pull-request-github',
      'EditorConfig.EditorConfig',
      'ms-python.python',
      'esbenp.prettier-vscode',
    ]);
    expect(result.ignored).toEqual([]);
  });

  it('merges settings from every source, devcontainer.json winning over the feature and the image', () => {
    expect(resolve('features-and-removals').settings).toEqual({
      'editor.tabSize': 2, // image only
      'editor.formatOnSave': true, // image false, devcontainer.json true
      'python.defaultInterpreterPath': '/usr/local/bin/python', // feature, then devcontainer.json
      'yaml.format.enable': true, // feature only
      'files.eol': '\n',
    });
  });

  it('lets a feature re-add what the image removed, and keeps pins, prerelease and VSIX paths', () => {
    const result = resolve('removal-in-image-metadata');
    expect(result.extensions).toEqual([
      '/opt/extensions/local-tool-0.1.0.vsix',
      'redhat.vscode-yaml', // removed by the image, added by the later feature
      'MS-AzureTools.vscode-docker@1.29.0', // the devcontainer.json pin replaces the feature's entry
      'timonwong.shellcheck', // removed then re-added in devcontainer.json: the later entry counts
    ]);
    expect(result.settings).toEqual({ 'telemetry.telemetryLevel': 'off', '[yaml]': { 'editor.insertSpaces': true } });
  });

  it('reports entries it cannot understand instead of installing them', () => {
    expect(resolve('removal-in-image-metadata').ignored).toEqual([
      { entry: 'not a valid id', reason: 'expected "publisher.name", "publisher.name@version" or "-publisher.name"' },
    ]);
  });

  it('yields nothing for a configuration without VS Code customizations', () => {
    expect(resolve('no-customizations')).toEqual({ extensions: [], settings: {}, ignored: [] });
  });
});

describe('resolveVscodeCustomizations (shapes)', () => {
  it('reads an unmerged configuration (a single vscode object) as one source', () => {
    const result = resolveVscodeCustomizations({
      customizations: { vscode: { extensions: ['a.b', 'c.d', '-a.b'], settings: { x: 1 } } },
    });
    expect(result).toEqual({ extensions: ['c.d'], settings: { x: 1 }, ignored: [] });
  });

  it('matches removals case-insensitively', () => {
    const result = resolveVscodeCustomizations({
      customizations: { vscode: [{ extensions: ['Dbaeumer.VSCode-ESLint'] }, { extensions: ['-dbaeumer.vscode-eslint'] }] },
    });
    expect(result.extensions).toEqual([]);
  });

  it('skips sources that are not objects and extensions that are not arrays', () => {
    const result = resolveVscodeCustomizations({
      customizations: { vscode: [null, 'text', { extensions: 'a.b' }, { extensions: ['c.d'], settings: ['not', 'an', 'object'] }] },
    });
    expect(result.extensions).toEqual(['c.d']);
    expect(result.settings).toEqual({});
    expect(result.ignored).toEqual([{ entry: '"a.b"', reason: '"extensions" is not an array' }]);
  });

  it.each([undefined, null, 42, {}, { customizations: null }, { customizations: { jetbrains: [{}] } }])(
    'yields nothing for %j',
    (value) => {
      expect(resolveVscodeCustomizations(value)).toEqual({ extensions: [], settings: {}, ignored: [] });
    },
  );
});
