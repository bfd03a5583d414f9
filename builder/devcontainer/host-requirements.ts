import type { GpuAvailability } from './args.js';

/**
 * devcontainer.json's `hostRequirements`, read the way the Dev Containers
 * CLI reads it (devcontainers/cli src/spec-node/imageMetadata.ts,
 * mergeHostRequirements and parseBytes): `cpus` a number; `memory` and
 * `storage` a whole number with an optional `tb`/`gb`/`mb`/`kb` suffix in
 * powers of 1024 ("8gb" = 8 GiB), anything else counts as no requirement;
 * `gpu` true, "optional" or `{ cores, memory }` (containers.dev JSON
 * reference, "Host requirements").
 */
export interface HostRequirements {
  readonly cpus?: number;
  readonly memoryBytes?: number;
  readonly storageBytes?: number;
  /** `required` for `true` or an object, `optional` for "optional". @default - no GPU asked for */
  readonly gpu?: 'required' | 'optional';
}

/** What the workspace gives the dev container (the DinD sidecar's limits, from the template). */
export interface WorkspaceCapacity {
  /** `DEVCONTAINER_WORKSPACE_CPUS`: the `cpu` parameter. @default - unknown: not compared */
  readonly cpus?: number;
  /** `DEVCONTAINER_WORKSPACE_MEMORY_GIB`: the `memory` parameter. @default - unknown */
  readonly memoryGiB?: number;
  /** `DEVCONTAINER_WORKSPACE_STORAGE_GIB`: the `docker_volume_size` parameter. @default - unknown */
  readonly storageGiB?: number;
  /** `DEVCONTAINER_GPU_AVAILABILITY`. @default - unknown: the CLI detects */
  readonly gpuAvailability?: GpuAvailability;
}

const GIB = 2 ** 30;
const UNITS: Record<string, number> = { t: 2 ** 40, g: GIB, m: 2 ** 20, k: 2 ** 10 };

/** The CLI's parseBytes: "8gb" → 8 GiB in bytes; not matching `^\d+([tgmk]b)?$` → 0. */
export function parseBytes(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const match = /^(\d+)([tgmk]b)?$/.exec(value);
  if (!match) return 0;
  return Number.parseInt(match[1]!, 10) * (match[2] ? UNITS[match[2][0]!]! : 1);
}

/** `hostRequirements` of a parsed devcontainer.json; fields that ask for nothing are left out. */
export function parseHostRequirements(config: Readonly<Record<string, unknown>>): HostRequirements {
  const raw = config.hostRequirements;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const r = raw as Record<string, unknown>;
  const cpus = typeof r.cpus === 'number' && r.cpus > 0 ? r.cpus : undefined;
  const memoryBytes = parseBytes(r.memory) || undefined;
  const storageBytes = parseBytes(r.storage) || undefined;
  const gpu = r.gpu === true || (typeof r.gpu === 'object' && r.gpu !== null) ? 'required' : r.gpu === 'optional' ? 'optional' : undefined;
  return { cpus, memoryBytes, storageBytes, gpu };
}

/** A size for people: whole GiB when it is one, else MiB. */
export function formatBytes(bytes: number): string {
  if (bytes % GIB === 0) return `${bytes / GIB} GiB`;
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
}

/**
 * Warnings for every requirement above what the workspace has, each with
 * both numbers and the setting to change. The CLI only checks the GPU; a too
 * small workspace still starts, so these are warnings, not failures.
 */
export function hostRequirementWarnings(req: HostRequirements, has: WorkspaceCapacity): string[] {
  const warnings: string[] = [];
  if (req.cpus !== undefined && has.cpus !== undefined && req.cpus > has.cpus) {
    warnings.push(`devcontainer.json asks for ${req.cpus} CPUs (hostRequirements.cpus), this workspace has ${has.cpus}: raise the cpu parameter to at least ${Math.ceil(req.cpus)}.`);
  }
  if (req.memoryBytes !== undefined && has.memoryGiB !== undefined && req.memoryBytes > has.memoryGiB * GIB) {
    warnings.push(`devcontainer.json asks for ${formatBytes(req.memoryBytes)} of memory (hostRequirements.memory), this workspace has ${has.memoryGiB} GiB: raise the memory parameter to at least ${Math.ceil(req.memoryBytes / GIB)}.`);
  }
  if (req.storageBytes !== undefined && has.storageGiB !== undefined && req.storageBytes > has.storageGiB * GIB) {
    warnings.push(
      `devcontainer.json asks for ${formatBytes(req.storageBytes)} of storage (hostRequirements.storage), this workspace's Docker volume (images and containers) has ${has.storageGiB} GiB: `
        + `create the workspace with a docker_volume_size of at least ${Math.ceil(req.storageBytes / GIB)} (it cannot change later).`,
    );
  }
  if (req.gpu === 'required' && has.gpuAvailability === 'none') {
    warnings.push('devcontainer.json asks for a GPU (hostRequirements.gpu), this workspace has none: ask the template admin to set the gpu_count variable, or mark the GPU "optional".');
  }
  return warnings;
}
