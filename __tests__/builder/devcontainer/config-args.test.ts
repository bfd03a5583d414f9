import { describe, expect, it } from 'vitest';
import { buildArgs, runUserCommandsArgs, upArgs } from '../../../builder/devcontainer/args.js';
import { mergedConfigurationArgs } from '../../../builder/extensions/read-configuration.js';

const folder = '/workspaces/setup';
const config = '/workspaces/setup/.devcontainer/python/devcontainer.json';
const after = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

describe('issue 14.2/14.4: --config and --gpu-availability', () => {
  it('passes --config to every CLI call that reads the configuration', () => {
    expect(after(upArgs({ workspaceFolder: folder, configFile: config }), '--config')).toBe(config);
    expect(after(buildArgs({ workspaceFolder: folder, configFile: config }), '--config')).toBe(config);
    expect(after(runUserCommandsArgs(folder, 0, undefined, config), '--config')).toBe(config);
    expect(after(mergedConfigurationArgs({ workspaceFolder: folder, configFile: config, containerId: 'c0ffee' }), '--config')).toBe(config);
  });

  it('passes no --config without a choice: the CLI looks itself', () => {
    for (const args of [upArgs({ workspaceFolder: folder }), buildArgs({ workspaceFolder: folder }), runUserCommandsArgs(folder), mergedConfigurationArgs({ workspaceFolder: folder })]) {
      expect(args).not.toContain('--config');
    }
  });

  it('gives `up` (the only command with the option) --gpu-availability when the template says', () => {
    expect(after(upArgs({ workspaceFolder: folder, gpuAvailability: 'all' }), '--gpu-availability')).toBe('all');
    expect(after(upArgs({ workspaceFolder: folder, gpuAvailability: 'none' }), '--gpu-availability')).toBe('none');
    expect(upArgs({ workspaceFolder: folder })).not.toContain('--gpu-availability');
  });
});
