import { describe, expect, it } from 'vitest';
import { parseReadConfigurationOutput, mergedConfigurationArgs } from '../../../builder/extensions/read-configuration.js';
import { recordedOutput } from './fixtures.js';

describe('mergedConfigurationArgs', () => {
  it('asks for the merged configuration of the running container as JSON', () => {
    expect(mergedConfigurationArgs({ workspaceFolder: '/workspaces/setup', containerId: 'abc123' })).toEqual([
      'read-configuration', '--workspace-folder', '/workspaces/setup', '--container-id', 'abc123',
      '--include-merged-configuration', '--log-format', 'json',
    ]);
  });

  it('leaves out --container-id when there is none', () => {
    expect(mergedConfigurationArgs({ workspaceFolder: '/w' })).not.toContain('--container-id');
  });
});

describe('parseReadConfigurationOutput', () => {
  it('reads the recorded output of CLI 0.89.0', () => {
    const out = parseReadConfigurationOutput(recordedOutput('features-and-removals'));
    expect(out.remoteUser).toBe('dev');
    expect(out.remoteWorkspaceFolder).toBe('/workspaces/features-and-removals');
    expect(Array.isArray((out.mergedConfiguration as { customizations: { vscode: unknown } }).customizations.vscode)).toBe(true);
  });

  it('takes remoteUser from the image metadata when devcontainer.json sets none', () => {
    expect(parseReadConfigurationOutput(recordedOutput('no-customizations')).remoteUser).toBe('root');
  });

  it('reads a single-line document after stray text', () => {
    expect(parseReadConfigurationOutput('warning\n{"mergedConfiguration":{"remoteUser":"u"}}').remoteUser).toBe('u');
  });

  it.each([
    ['', 'read-configuration printed no JSON on stdout'],
    ['{"configuration":', /^read-configuration printed invalid JSON: /],
    ['{"configuration":{}}', 'read-configuration printed no "mergedConfiguration" (was --include-merged-configuration passed?)'],
  ])('fails for %j', (stdout, message) => {
    expect(() => parseReadConfigurationOutput(stdout)).toThrowError(message);
  });
});
