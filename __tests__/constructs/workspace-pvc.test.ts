import { describe, expect, it } from 'vitest';
import { WorkspacePvc } from '../../constructs/workspace-pvc.js';
import { pvcProps, resolve, synth, testStack, variable } from './helpers.js';

describe('WorkspacePvc', () => {
  it('creates a claim without count that does not wait to be bound, with ReadWriteOnce by default', () => {
    const stack = testStack();
    new WorkspacePvc(stack, 'workspaces', pvcProps({ labels: { a: 'b' } }));
    const pvc = synth(stack).resource.kubernetes_persistent_volume_claim_v1.workspaces;
    expect(pvc.count).toBeUndefined();
    expect(pvc.wait_until_bound).toBe(false);
    expect(pvc.metadata).toEqual({ name: 'claim', namespace: 'ns', labels: { a: 'b' } });
    expect(pvc.spec).toEqual({ access_modes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
  });

  it('uses a literal storage class as is, and a variable only when it is non-empty', () => {
    const stack = testStack();
    new WorkspacePvc(stack, 'a', pvcProps({ storageClassName: 'fast' }));
    new WorkspacePvc(stack, 'b', pvcProps({ storageClassName: variable(stack, 'storage_class') }));
    new WorkspacePvc(stack, 'c', pvcProps({ storageClassName: '' }));
    const pvcs = synth(stack).resource.kubernetes_persistent_volume_claim_v1;
    expect(pvcs.a.spec.storage_class_name).toBe('fast');
    expect(pvcs.b.spec.storage_class_name).toBe('${var.storage_class != "" ? var.storage_class : null}');
    expect(pvcs.c.spec.storage_class_name).toBeUndefined();
  });

  it('describes itself with coder_metadata: size, mount path and extra items', () => {
    const stack = testStack();
    new WorkspacePvc(stack, 'workspaces', pvcProps({ metadataItems: [{ key: 'k', value: 'v' }] }));
    const metadata = synth(stack).resource.coder_metadata.workspaces_metadata;
    expect(metadata.resource_id).toBe('${kubernetes_persistent_volume_claim_v1.workspaces.id}');
    expect(metadata.item).toEqual([
      { key: 'size', value: '10 GiB' },
      { key: 'mount path', value: '/workspaces' },
      { key: 'k', value: 'v' },
    ]);
  });

  it('offers its pod volume and a mount at its own path', () => {
    const stack = testStack();
    const pvc = new WorkspacePvc(stack, 'workspaces', pvcProps());
    expect(pvc.asVolumeMount()).toEqual({ name: 'workspaces', mountPath: '/workspaces' });
    expect(resolve(stack, pvc.asVolume())).toEqual({
      name: 'workspaces',
      source: { persistent_volume_claim: { claim_name: '${kubernetes_persistent_volume_claim_v1.workspaces.metadata[0].name}' } },
    });
  });

  it('fails when mountPath is relative', () => {
    expect(() => new WorkspacePvc(testStack(), 'x', pvcProps({ mountPath: 'workspaces' }))).toThrowError(
      'WorkspacePvc: mountPath must be absolute, got "workspaces"; use a path such as "/workspaces".',
    );
  });

  it('fails when sizeGiB is not positive', () => {
    expect(() => new WorkspacePvc(testStack(), 'x', pvcProps({ sizeGiB: 0 }))).toThrowError('WorkspacePvc: sizeGiB must be a positive number of GiB, got 0.');
  });

  it('fails when volumeName is not a DNS label', () => {
    expect(() => new WorkspacePvc(testStack(), 'x', pvcProps({ volumeName: 'Docker_Data' }))).toThrowError(
      'WorkspacePvc: volumeName must be a DNS label (lower-case letters, digits, "-"), got "Docker_Data".',
    );
  });

  it.each(['namespace', 'claimName', 'volumeName', 'mountPath', 'sizeGiB'] as const)('fails when the required prop %s is missing', (prop) => {
    const props: Record<string, unknown> = { ...pvcProps() };
    delete props[prop];
    expect(() => new WorkspacePvc(testStack(), 'x', props as never)).toThrowError(
      `WorkspacePvc: required prop "${prop}" is missing; pass it to the constructor.`,
    );
  });
});
