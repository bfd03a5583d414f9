import type { GpuAvailability } from './args.js';
import { configPathProblem, normalizeConfigPath } from './config-choice.js';
import type { WorkspaceCapacity } from './host-requirements.js';

/** The builder's dev container settings from its environment (part of `BuilderConfig`). */
export interface DevcontainerSettings {
  /**
   * `DEVCONTAINER_CONFIG`: devcontainer.json relative to the checkout (the
   * `devcontainer_config` parameter), passed to the CLI as `--config`.
   * @default - the CLI's lookup (builder/devcontainer/config-choice.ts)
   */
  readonly configPath?: string;
  /**
   * What the workspace gives the dev container, for the hostRequirements
   * check: `DEVCONTAINER_WORKSPACE_CPUS`, `DEVCONTAINER_WORKSPACE_MEMORY_GIB`,
   * `DEVCONTAINER_WORKSPACE_STORAGE_GIB`, `DEVCONTAINER_GPU_AVAILABILITY`
   * (`all` | `detect` | `none`, also the CLI's `--gpu-availability`).
   * @default - each unknown: not compared, the CLI detects GPUs
   */
  readonly capacity: WorkspaceCapacity;
}

const GPU_AVAILABILITY: readonly GpuAvailability[] = ['all', 'detect', 'none'];

/**
 * Read the dev container settings; every problem is added to `problems` with
 * the variable's name and how to fix it. `get` returns trimmed, non-empty values.
 */
export function loadDevcontainerSettings(get: (name: string) => string | undefined, problems: string[]): DevcontainerSettings {
  let configPath = get('DEVCONTAINER_CONFIG');
  if (configPath !== undefined) {
    const problem = configPathProblem(configPath);
    if (problem) problems.push(`DEVCONTAINER_CONFIG "${configPath}" (the devcontainer_config parameter) ${problem}.`);
    configPath = problem ? undefined : normalizeConfigPath(configPath);
  }
  const amount = (name: string): number | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (n > 0) return n;
    problems.push(`${name} "${value}" is not a positive number: the template passes the workspace's parameter value; leave it unset to skip the hostRequirements check.`);
    return undefined;
  };
  const gpu = get('DEVCONTAINER_GPU_AVAILABILITY');
  if (gpu !== undefined && !(GPU_AVAILABILITY as readonly string[]).includes(gpu)) {
    problems.push(`DEVCONTAINER_GPU_AVAILABILITY "${gpu}" is not one of ${GPU_AVAILABILITY.join(', ')} (the Dev Containers CLI's --gpu-availability values).`);
  }
  return {
    configPath,
    capacity: {
      cpus: amount('DEVCONTAINER_WORKSPACE_CPUS'),
      memoryGiB: amount('DEVCONTAINER_WORKSPACE_MEMORY_GIB'),
      storageGiB: amount('DEVCONTAINER_WORKSPACE_STORAGE_GIB'),
      gpuAvailability: (GPU_AVAILABILITY as readonly string[]).includes(gpu ?? '') ? (gpu as GpuAvailability) : undefined,
    },
  };
}
