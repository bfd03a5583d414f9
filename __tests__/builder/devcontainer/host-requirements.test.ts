import { describe, expect, it } from 'vitest';
import { formatBytes, hostRequirementWarnings, parseBytes, parseHostRequirements } from '../../../builder/devcontainer/host-requirements.js';

const GIB = 2 ** 30;

describe('issue 14.2: hostRequirements', () => {
  it.each([
    ['8gb', 8 * GIB], ['1tb', 2 ** 40], ['512mb', 512 * 2 ** 20], ['64kb', 64 * 1024], ['1000', 1000],
    // The CLI's parseBytes counts anything else as no requirement.
    ['8GB', 0], ['8 gb', 0], ['1.5gb', 0], ['8g', 0], ['', 0],
  ])('parses %j like the CLI', (value, bytes) => {
    expect(parseBytes(value)).toBe(bytes);
  });

  it('reads cpus, memory, storage and gpu; ignores what asks for nothing', () => {
    expect(parseHostRequirements({ hostRequirements: { cpus: 8, memory: '16gb', storage: '64gb', gpu: true } }))
      .toEqual({ cpus: 8, memoryBytes: 16 * GIB, storageBytes: 64 * GIB, gpu: 'required' });
    expect(parseHostRequirements({ hostRequirements: { gpu: { cores: 2, memory: '8gb' } } }).gpu).toBe('required');
    expect(parseHostRequirements({ hostRequirements: { gpu: 'optional' } }).gpu).toBe('optional');
    expect(parseHostRequirements({ hostRequirements: { cpus: 0, memory: 'lots', gpu: false } })).toEqual({});
    expect(parseHostRequirements({ hostRequirements: [1] })).toEqual({});
    expect(parseHostRequirements({ image: 'debian' })).toEqual({});
  });

  it('warns with both numbers and the parameter to raise', () => {
    const req = parseHostRequirements({ hostRequirements: { cpus: 8, memory: '16gb', storage: '64gb', gpu: true } });
    expect(hostRequirementWarnings(req, { cpus: 4, memoryGiB: 8, storageGiB: 30, gpuAvailability: 'none' })).toEqual([
      'devcontainer.json asks for 8 CPUs (hostRequirements.cpus), this workspace has 4: raise the cpu parameter to at least 8.',
      'devcontainer.json asks for 16 GiB of memory (hostRequirements.memory), this workspace has 8 GiB: raise the memory parameter to at least 16.',
      "devcontainer.json asks for 64 GiB of storage (hostRequirements.storage), this workspace's Docker volume (images and containers) has 30 GiB: create the workspace with a docker_volume_size of at least 64 (it cannot change later).",
      'devcontainer.json asks for a GPU (hostRequirements.gpu), this workspace has none: ask the template admin to set the gpu_count variable, or mark the GPU "optional".',
    ]);
  });

  it('says nothing when the workspace is large enough, the capacity is unknown, or the GPU is optional', () => {
    const req = parseHostRequirements({ hostRequirements: { cpus: 4, memory: '8gb', storage: '30gb', gpu: 'optional' } });
    expect(hostRequirementWarnings(req, { cpus: 4, memoryGiB: 8, storageGiB: 30, gpuAvailability: 'none' })).toEqual([]);
    expect(hostRequirementWarnings(parseHostRequirements({ hostRequirements: { cpus: 64, memory: '1tb', gpu: true } }), {})).toEqual([]);
    expect(hostRequirementWarnings(parseHostRequirements({ hostRequirements: { gpu: true } }), { gpuAvailability: 'all' })).toEqual([]);
  });

  it('rounds a fractional request up in the advice', () => {
    expect(hostRequirementWarnings({ memoryBytes: 1536 * 2 ** 20 }, { memoryGiB: 1 })).toEqual([
      'devcontainer.json asks for 1536 MiB of memory (hostRequirements.memory), this workspace has 1 GiB: raise the memory parameter to at least 2.',
    ]);
    expect(formatBytes(3 * GIB)).toBe('3 GiB');
  });
});
