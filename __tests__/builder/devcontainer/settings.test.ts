import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../builder/config.js';
import { ConfigError } from '../../../builder/errors.js';

const base = { DEVCONTAINER_REPOSITORY: 'https://github.com/vgijssel/setup.git' };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig('run', { ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('issue 14.2/14.4: dev container settings from the environment', () => {
  it('reads the chosen configuration, the capacity and the GPU availability', () => {
    const config = loadConfig('run', {
      ...base,
      DEVCONTAINER_CONFIG: './.devcontainer/python/devcontainer.json',
      DEVCONTAINER_WORKSPACE_CPUS: '4',
      DEVCONTAINER_WORKSPACE_MEMORY_GIB: '8',
      DEVCONTAINER_WORKSPACE_STORAGE_GIB: '30',
      DEVCONTAINER_GPU_AVAILABILITY: 'all',
    });
    expect(config.devcontainer).toEqual({
      configPath: '.devcontainer/python/devcontainer.json',
      capacity: { cpus: 4, memoryGiB: 8, storageGiB: 30, gpuAvailability: 'all' },
    });
  });

  it('an empty DEVCONTAINER_CONFIG is the CLI lookup', () => {
    expect(loadConfig('run', { ...base, DEVCONTAINER_CONFIG: ' ' }).devcontainer.configPath).toBeUndefined();
  });

  it('names each bad value and how to fix it', () => {
    expect(problems({ DEVCONTAINER_CONFIG: '/abs.json', DEVCONTAINER_WORKSPACE_CPUS: 'two', DEVCONTAINER_GPU_AVAILABILITY: 'yes' })).toEqual([
      'DEVCONTAINER_CONFIG "/abs.json" (the devcontainer_config parameter) is absolute: give a path relative to the repository root, e.g. .devcontainer/python/devcontainer.json.',
      'DEVCONTAINER_GPU_AVAILABILITY "yes" is not one of all, detect, none (the Dev Containers CLI\'s --gpu-availability values).',
      'DEVCONTAINER_WORKSPACE_CPUS "two" is not a positive number: the template passes the workspace\'s parameter value; leave it unset to skip the hostRequirements check.',
    ]);
  });
});
