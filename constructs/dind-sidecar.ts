import { Fn, Op, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  deploymentV1SpecTemplateSpecInitContainerToTerraform,
  type DeploymentV1SpecTemplateSpecInitContainerResources,
} from '@cdktf/provider-kubernetes/lib/deployment-v1/index.js';
import { renderEnv, renderMounts, type PodVolume, type VolumeMount } from './pod-spec.js';
import type { WorkspacePvc } from './workspace-pvc.js';
import { requireProps } from './require-props.js';

/** Properties of {@link DindSidecar}. */
export interface DindSidecarProps {
  /** The Docker-in-Docker image, an exact `docker:<x.y.z>-dind` tag. */
  readonly image: string;
  /** The workspaces claim; mounted at its own path, the same as in the builder. */
  readonly workspaces: WorkspacePvc;
  /** The claim holding Docker's data (images, build cache, containers). */
  readonly dockerData: WorkspacePvc;
  /**
   * A RuntimeClass (e.g. `sysbox-runc`) under which dockerd runs without
   * `privileged`. An empty string (also from a variable at plan time) means none.
   * @default - none: the sidecar runs privileged
   * @see https://kubernetes.io/docs/concepts/containers/runtime-class/
   */
  readonly runtimeClassName?: string;
  /**
   * Directory of the Docker socket, an emptyDir shared with the builder.
   * @default "/var/run/dind"
   */
  readonly socketDirectory?: string;
  /**
   * Seconds between startup probes (`docker info` against the socket).
   * @default 2
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
   */
  readonly startupProbePeriodSeconds?: number;
  /**
   * Failed startup probes before the kubelet restarts dockerd; with the
   * period this bounds the wait for Docker (2 s × 60 = 2 minutes).
   * @default 60
   */
  readonly startupProbeFailureThreshold?: number;
  /**
   * Resources of the sidecar. The dev container runs under this dockerd, so
   * this is where the workspace's CPU and memory are spent.
   * @default - none
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
   */
  readonly resources?: DeploymentV1SpecTemplateSpecInitContainerResources;
  /**
   * NVIDIA GPUs for the dev container: a `nvidia.com/gpu` limit of this many
   * on the sidecar, left out when 0 (a number, or a number variable decided
   * at plan time). Extended resources are whole numbers, set as limits only
   * (Kubernetes sets the request equal to the limit; "Manage resources for
   * containers", extended resources; "Schedule GPUs"). dockerd must have the
   * NVIDIA container runtime to hand them to the dev container.
   * @default 0
   * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
   */
  readonly gpuCount?: number;
}

/** The extended resource of the NVIDIA device plugin. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/**
 * Docker-in-Docker as a native sidecar: an init container with
 * `restartPolicy: Always`, so it starts before the builder init container and
 * keeps running beside the main container. dockerd listens only on a unix
 * socket in a shared emptyDir.
 *
 * The construct owns no Terraform resource; {@link DevcontainerDeployment}
 * renders it as the first init container.
 */
export class DindSidecar extends Construct {
  /** Name of the init container. */
  public static readonly containerName = 'dind';
  /** Name of the emptyDir volume that holds the socket. */
  public static readonly socketVolumeName = 'dind-socket';

  public readonly image: string;
  public readonly socketDirectory: string;
  /** `unix://` URL of the socket, the value of `DOCKER_HOST` for clients. */
  public readonly dockerHost: string;
  /** `privileged` of the container: true, false, or a Terraform expression. */
  public readonly privileged: boolean | string;
  public readonly startupProbePeriodSeconds: number;
  public readonly startupProbeFailureThreshold: number;
  /** GPUs of the sidecar (`nvidia.com/gpu` limit); 0 = none. */
  public readonly gpuCount?: number;
  private readonly props: DindSidecarProps;

  public constructor(scope: Construct, id: string, props: DindSidecarProps) {
    super(scope, id);
    requireProps('DindSidecar', props, ['image', 'workspaces', 'dockerData']);
    this.props = props;
    this.image = props.image;
    this.socketDirectory = props.socketDirectory ?? '/var/run/dind';
    this.dockerHost = `unix://${this.socketDirectory}/docker.sock`;
    this.privileged = privilegedFor(props.runtimeClassName);
    this.startupProbePeriodSeconds = props.startupProbePeriodSeconds ?? 2;
    this.startupProbeFailureThreshold = props.startupProbeFailureThreshold ?? 60;
    this.gpuCount = props.gpuCount;
    validate(this);
  }

  /** The emptyDir volume that carries the socket. */
  public socketVolume(): PodVolume {
    return { name: DindSidecar.socketVolumeName, source: { empty_dir: {} } };
  }

  /** A mount of the socket directory, for Docker clients in the same pod. */
  public socketVolumeMount(): VolumeMount {
    return { name: DindSidecar.socketVolumeName, mountPath: this.socketDirectory };
  }

  /** Every volume the sidecar mounts. */
  public volumes(): PodVolume[] {
    return [this.socketVolume(), this.props.dockerData.asVolume(), this.props.workspaces.asVolume()];
  }

  /**
   * The init container in Terraform shape, including `restart_policy`.
   * @internal
   */
  public _toInitContainer(): Record<string, unknown> {
    const base = deploymentV1SpecTemplateSpecInitContainerToTerraform({
      name: DindSidecar.containerName,
      image: this.image,
      // docker:dind's entrypoint runs the given dockerd command line.
      args: ['dockerd', `--host=${this.dockerHost}`],
      startupProbe: {
        exec: { command: ['docker', `--host=${this.dockerHost}`, 'info'] },
        periodSeconds: this.startupProbePeriodSeconds,
        failureThreshold: this.startupProbeFailureThreshold,
        timeoutSeconds: 5,
      },
      resources: this.props.resources,
    }) as Record<string, unknown>;
    const withEnv = renderEnv(withGpuLimit(base, this.props.gpuCount), [{ name: 'DOCKER_TLS_CERTDIR', value: '' }]);
    const body = renderMounts(withEnv, [
      this.props.dockerData.asVolumeMount(),
      this.props.workspaces.asVolumeMount(),
      this.socketVolumeMount(),
    ]);
    return {
      ...body,
      security_context: { privileged: this.privileged },
      // Escape hatch: @cdktf/provider-kubernetes 12.1.1 (hashicorp/kubernetes
      // 2.38.0) has no init_container.restart_policy; the pinned provider
      // 3.0.1 has it. "Always" makes this a native sidecar.
      restart_policy: 'Always',
    };
  }
}

/** `resources.limits` plus the GPU limit: static for a literal count, `merge(…)` at plan time for a variable. */
function withGpuLimit(container: Record<string, unknown>, gpuCount: number | undefined): Record<string, unknown> {
  if (gpuCount === undefined || gpuCount === 0) return container;
  const resources = (container.resources ?? {}) as Record<string, unknown>;
  const limits = (resources.limits ?? {}) as Record<string, string>;
  // `>= 1`, not `> 0`: cdktf 0.21's Op.gt drops a 0 operand (renders `undefined`).
  const gpu = Token.isUnresolved(gpuCount)
    ? Fn.merge([limits, Fn.conditional(Op.gte(gpuCount, 1), { [GPU_RESOURCE]: Fn.tostring(gpuCount) }, {})])
    : { ...limits, [GPU_RESOURCE]: String(gpuCount) };
  return { ...container, resources: { ...resources, limits: gpu } };
}

function privilegedFor(runtimeClassName: string | undefined): boolean | string {
  if (runtimeClassName === undefined) return true;
  if (Token.isUnresolved(runtimeClassName)) return `\${${runtimeClassName} == ""}`;
  return runtimeClassName === '';
}

function validate(s: DindSidecar): void {
  if (!s.socketDirectory.startsWith('/')) {
    throw new Error(`DindSidecar: socketDirectory must be absolute, got "${s.socketDirectory}".`);
  }
  const gpu = s.gpuCount;
  if (gpu !== undefined && !Token.isUnresolved(gpu) && !(Number.isInteger(gpu) && gpu >= 0)) {
    throw new Error(`DindSidecar: gpuCount must be a whole number of GPUs (0 for none), got ${gpu}.`);
  }
  if (!(s.startupProbePeriodSeconds >= 1) || !(s.startupProbeFailureThreshold >= 1)) {
    throw new Error(
      `DindSidecar: startupProbePeriodSeconds and startupProbeFailureThreshold must be at least 1, got ${s.startupProbePeriodSeconds} and ${s.startupProbeFailureThreshold}.`,
    );
  }
  const waitSeconds = s.startupProbePeriodSeconds * s.startupProbeFailureThreshold;
  if (waitSeconds > 600) {
    throw new Error(
      `DindSidecar: the startup probe would wait up to ${waitSeconds} s for Docker; keep periodSeconds × failureThreshold at most 600.`,
    );
  }
}
