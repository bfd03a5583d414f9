import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { PersistentVolumeClaimV1 } from '@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1/index.js';
import { Metadata, type MetadataItem } from './coder/generated/metadata/index.js';
import { nullIfEmpty, type IMountable, type PodVolume, type VolumeMount } from './pod-spec.js';
import { requireProps } from './require-props.js';

/** Properties of {@link WorkspacePvc}. */
export interface WorkspacePvcProps {
  /**
   * Kubernetes namespace of the claim.
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
   */
  readonly namespace: string;
  /**
   * Name of the PersistentVolumeClaim object; derive it from the workspace id
   * so that renaming a workspace keeps its data.
   */
  readonly claimName: string;
  /** Name of the pod volume that mounts the claim (e.g. `workspaces`). */
  readonly volumeName: string;
  /** Absolute path every container mounts the claim at. */
  readonly mountPath: string;
  /** Requested size in GiB; may be a Terraform number reference. */
  readonly sizeGiB: number;
  /**
   * Storage class of the claim. An empty string (also when it comes from a
   * Terraform variable at plan time) means the cluster's default class.
   * @default - the cluster's default storage class
   * @see https://kubernetes.io/docs/concepts/storage/storage-classes/
   */
  readonly storageClassName?: string;
  /**
   * Labels of the claim.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations of the claim.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Access modes of the claim.
   * @default ["ReadWriteOnce"]
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
   */
  readonly accessModes?: string[];
  /**
   * Extra facts shown on the volume in the Coder UI, after its size.
   * @default - none
   */
  readonly metadataItems?: MetadataItem[];
}

/**
 * A PersistentVolumeClaim that outlives workspace stops: it has no `count`,
 * so Coder deletes it only with the workspace. It does not wait to be bound
 * (`WaitForFirstConsumer` classes bind only when the pod is scheduled).
 *
 * Terraform addresses: `kubernetes_persistent_volume_claim_v1.<id>` and
 * `coder_metadata.<id>_metadata`. Changing the id replaces the volume.
 */
export class WorkspacePvc extends Construct implements IMountable {
  /** The claim resource. */
  public readonly claim: PersistentVolumeClaimV1;
  /** Name of the pod volume. */
  public readonly volumeName: string;
  /** Path the claim is mounted at, the same in every container. */
  public readonly mountPath: string;
  /** The access modes in use. */
  public readonly accessModes: string[];

  public constructor(scope: Construct, id: string, props: WorkspacePvcProps) {
    super(scope, id);
    requireProps('WorkspacePvc', props, ['namespace', 'claimName', 'volumeName', 'mountPath', 'sizeGiB']);
    validate(props);
    this.volumeName = props.volumeName;
    this.mountPath = props.mountPath;
    this.accessModes = props.accessModes ?? ['ReadWriteOnce'];
    const size = Token.isUnresolved(props.sizeGiB) ? Token.asString(props.sizeGiB) : String(props.sizeGiB);

    this.claim = new PersistentVolumeClaimV1(this, 'Resource', {
      metadata: {
        name: props.claimName,
        namespace: props.namespace,
        labels: props.labels,
        annotations: props.annotations,
      },
      spec: {
        accessModes: this.accessModes,
        storageClassName: nullIfEmpty(props.storageClassName),
        resources: { requests: { storage: `${size}Gi` } },
      },
      waitUntilBound: false,
      // Access modes cannot change on a bound claim: the provider would
      // replace it and lose its data. A changed template value applies to new
      // workspaces only.
      lifecycle: { ignoreChanges: ['spec[0].access_modes'] },
    });
    this.claim.overrideLogicalId(id);

    new Metadata(this, 'Metadata', {
      resourceId: this.claim.id,
      icon: '/icon/database.svg',
      item: [{ key: 'size', value: `${size} GiB` }, { key: 'mount path', value: props.mountPath }, ...(props.metadataItems ?? [])],
    }).overrideLogicalId(`${id}_metadata`);
  }

  /** The pod volume backed by this claim. */
  public asVolume(): PodVolume {
    return {
      name: this.volumeName,
      source: { persistent_volume_claim: { claim_name: this.claim.metadata.name } },
    };
  }

  /** A read-write mount of the claim at {@link mountPath}. */
  public asVolumeMount(): VolumeMount {
    return { name: this.volumeName, mountPath: this.mountPath };
  }
}

function validate(props: WorkspacePvcProps): void {
  if (!props.mountPath.startsWith('/')) {
    throw new Error(`WorkspacePvc: mountPath must be absolute, got "${props.mountPath}"; use a path such as "/workspaces".`);
  }
  if (!Token.isUnresolved(props.sizeGiB) && !(props.sizeGiB > 0)) {
    throw new Error(`WorkspacePvc: sizeGiB must be a positive number of GiB, got ${props.sizeGiB}.`);
  }
  if (!Token.isUnresolved(props.volumeName) && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.volumeName)) {
    throw new Error(`WorkspacePvc: volumeName must be a DNS label (lower-case letters, digits, "-"), got "${props.volumeName}".`);
  }
}
