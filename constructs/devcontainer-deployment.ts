import { Lazy, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  DeploymentV1,
  deploymentV1SpecTemplateSpecContainerToTerraform,
  deploymentV1SpecTemplateSpecInitContainerToTerraform,
} from '@cdktf/provider-kubernetes/lib/deployment-v1/index.js';
import type { Agent } from './coder/generated/agent/index.js';
import { Metadata, type MetadataItem } from './coder/generated/metadata/index.js';
import { DindSidecar } from './dind-sidecar.js';
import { builderEnv, DOCKER_CONFIG_DIR, registryCondition, type BuilderSettings } from './builder-env.js';
import { assertUniqueNames, nullIfEmpty, renderEnv, renderMounts, splitConditional, withDynamic, type EnvVar, type PodVolume, type VolumeMount } from './pod-spec.js';
import type { WorkspacePvc } from './workspace-pvc.js';
import { requireProps } from './require-props.js';

/** Properties of {@link DevcontainerDeployment}. */
export interface DevcontainerDeploymentProps extends BuilderSettings {
  /** Kubernetes namespace of the Deployment. */
  readonly namespace: string;
  /** Name of the Deployment object. */
  readonly deploymentName: string;
  /** `count` of the Deployment: Coder's `start_count` (0 when stopped). */
  readonly count: number;
  /** The builder image; its entrypoint is `tini -- devcontainer-builder`. */
  readonly builderImage: string;
  /** The Docker-in-Docker sidecar, rendered as the first init container. */
  readonly sidecar: DindSidecar;
  /** The workspaces claim, mounted at the same path as in the sidecar. */
  readonly workspaces: WorkspacePvc;
  /** The Coder agent whose token and init script the builder receives. */
  readonly agent: Agent;
  /** Labels of the Deployment object (Coder's standard set). */
  readonly labels: Record<string, string>;
  /**
   * Labels of the pods. Keep owner and workspace names out of them: a
   * prebuilt workspace's pod must stay unchanged when it is claimed and
   * renamed (only the Deployment's own metadata may change in place).
   * @default - {@link labels}
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Labels that select the pods; must be a subset of the pod labels and never
   * change. The soft anti-affinity repels other workspaces' pods, never the
   * pods these labels select (the workspace's own pod that is still
   * terminating on a restart holds the node its volumes are attached to).
   */
  readonly selectorLabels: Record<string, string>;
  /**
   * Annotations of the Deployment object.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Annotations of the pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Node labels the pod must be scheduled on, e.g. `kubernetes.io/arch`.
   * @default - any node
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodeselector
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * RuntimeClass of the pod. An empty string (also from a variable at plan time) means none.
   * @default - the cluster's default runtime
   * @see https://kubernetes.io/docs/concepts/containers/runtime-class/
   */
  readonly runtimeClassName?: string;
  /**
   * Seconds the pod gets to stop: the agent container stops the dev container in that time.
   * @default 60
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Extra facts shown on the Deployment in the Coder UI.
   * @default - none
   */
  readonly metadataItems?: MetadataItem[];
}

/**
 * The workspace pod: init containers `[dind, devcontainer-builder]` and the
 * main container `devcontainer-agent`, as a Deployment with `count =
 * start_count`, one replica, `Recreate` and soft anti-affinity on hostname.
 *
 * Terraform addresses: `kubernetes_deployment_v1.<id>` and `coder_metadata.<id>_metadata`.
 */
export class DevcontainerDeployment extends Construct {
  /** Name of the builder init container (`devcontainer-builder up`). */
  public static readonly builderContainerName = 'devcontainer-builder';
  /** Name of the main container (`devcontainer-builder agent`). */
  public static readonly agentContainerName = 'devcontainer-agent';

  /** The Deployment resource. */
  public readonly deployment: DeploymentV1;
  private readonly props: DevcontainerDeploymentProps;
  private readonly env: EnvVar[];
  private readonly mounts: VolumeMount[];
  private readonly extraVolumes: PodVolume[] = [];

  public constructor(scope: Construct, id: string, props: DevcontainerDeploymentProps) {
    super(scope, id);
    requireProps('DevcontainerDeployment', props, [...REQUIRED_PROPS]);
    validate(props);
    this.props = props;
    this.env = builderEnv(props);
    assertUniqueNames('environment variable', 'DevcontainerDeployment', this.env.map((e) => e.name));
    this.mounts = [props.workspaces.asVolumeMount(), props.sidecar.socketVolumeMount()];
    const auth = registryCondition(props.registryAuthSecretName);
    if (auth.present) {
      const when = auth.when;
      this.mounts.push({ name: DOCKER_CONFIG_VOLUME, mountPath: DOCKER_CONFIG_DIR, readOnly: true, when });
      this.extraVolumes.push({
        name: DOCKER_CONFIG_VOLUME,
        when,
        source: {
          secret: { secret_name: props.registryAuthSecretName, items: [{ key: '.dockerconfigjson', path: 'config.json' }] },
        },
      });
    }

    this.deployment = new DeploymentV1(this, 'Resource', {
      count: props.count,
      waitForRollout: false,
      metadata: { name: props.deploymentName, namespace: props.namespace, labels: props.labels, annotations: props.annotations },
      spec: {
        replicas: '1',
        strategy: { type: 'Recreate' },
        selector: { matchLabels: props.selectorLabels },
        template: {
          metadata: { labels: props.podLabels ?? props.labels, annotations: props.podAnnotations },
          spec: {
            // No API token of the namespace's service account in any container,
            // the privileged DinD sidecar and the dev container's tools included.
            automountServiceAccountToken: false,
            nodeSelector: props.nodeSelector,
            runtimeClassName: nullIfEmpty(props.runtimeClassName),
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 60,
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 1,
                    podAffinityTerm: {
                      topologyKey: 'kubernetes.io/hostname',
                      labelSelector: [{ matchExpressions: antiAffinityExpressions(props.selectorLabels) }],
                    },
                  },
                ],
              },
            },
          },
        },
      },
    });
    this.deployment.overrideLogicalId(id);
    // Rendered late so addEnv/addVolumeMount after construction still land;
    // init containers go through an override because the 12.1.1 bindings
    // cannot express the sidecar's restart_policy.
    this.deployment.addOverride('spec.template.spec.init_container', Lazy.anyValue({ produce: () => this.renderInitContainers() }));
    this.deployment.addOverride('spec.template.spec.container', Lazy.anyValue({ produce: () => [this.renderAgentContainer()] }));
    this.deployment.addOverride('spec.template.spec.volume', Lazy.anyValue({ produce: () => this.renderVolumes().static }));
    this.deployment.addOverride('spec.template.spec.dynamic', Lazy.anyValue({ produce: () => this.renderVolumes().dynamic }));

    new Metadata(this, 'Metadata', {
      count: props.count,
      resourceId: Token.asString(`\${${this.deployment.fqn}[0].id}`),
      icon: '/icon/k8s.png',
      item: [
        { key: 'repository', value: props.repository },
        { key: 'branch', value: props.branch },
        { key: 'builder image', value: props.builderImage },
        { key: 'dind image', value: props.sidecar.image },
        ...(props.metadataItems ?? []),
      ],
    }).overrideLogicalId(`${id}_metadata`);
  }

  /** Environment of both builder containers, in order. */
  public get environment(): readonly EnvVar[] {
    return [...this.env];
  }

  /** Adds an environment variable to both builder containers; throws on a duplicate name. */
  public addEnv(env: EnvVar): void {
    assertUniqueNames('environment variable', 'DevcontainerDeployment', [...this.env.map((e) => e.name), env.name]);
    this.env.push(env);
  }

  /** Mounts a volume in both builder containers; throws when its name or path is taken. */
  public addVolumeMount(volume: PodVolume, mount: VolumeMount): void {
    assertUniqueNames('volume', 'DevcontainerDeployment', [...this.allVolumes().map((v) => v.name), volume.name]);
    assertUniqueNames('mount path', 'DevcontainerDeployment', [...this.mounts.map((m) => m.mountPath), mount.mountPath]);
    this.extraVolumes.push(volume);
    this.mounts.push(mount);
  }

  private allVolumes(): PodVolume[] {
    return [...this.props.sidecar.volumes(), ...this.extraVolumes];
  }

  private renderVolumes(): { static?: Record<string, unknown>[]; dynamic?: Record<string, unknown> } {
    const volumes = this.allVolumes();
    assertUniqueNames('volume', 'DevcontainerDeployment', volumes.map((v) => v.name));
    const parts = splitConditional(volumes, (v) => ({ name: v.name, ...v.source }));
    const dynamic = withDynamic({}, 'volume', parts.dynamic).dynamic as Record<string, unknown> | undefined;
    return { static: parts.static, dynamic };
  }

  private builderBody(base: Record<string, unknown>): Record<string, unknown> {
    return renderMounts(renderEnv(base, this.env), this.mounts);
  }

  private renderInitContainers(): Record<string, unknown>[] {
    const builder = deploymentV1SpecTemplateSpecInitContainerToTerraform({
      name: DevcontainerDeployment.builderContainerName,
      image: this.props.builderImage,
      args: ['up'],
      securityContext: BUILDER_SECURITY_CONTEXT,
      resources: BUILDER_RESOURCES,
    }) as Record<string, unknown>;
    return [this.props.sidecar._toInitContainer(), this.builderBody(builder)];
  }

  private renderAgentContainer(): Record<string, unknown> {
    const agent = deploymentV1SpecTemplateSpecContainerToTerraform({
      name: DevcontainerDeployment.agentContainerName,
      image: this.props.builderImage,
      args: ['agent'],
      securityContext: BUILDER_SECURITY_CONTEXT,
      resources: BUILDER_RESOURCES,
    }) as Record<string, unknown>;
    return this.builderBody(agent);
  }
}

const DOCKER_CONFIG_VOLUME = 'docker-config';

/** Props without a default, checked at run time too. */
export const REQUIRED_PROPS = [
  'namespace',
  'deploymentName',
  'count',
  'builderImage',
  'sidecar',
  'workspaces',
  'agent',
  'labels',
  'selectorLabels',
  'agentUrl',
  'repository',
  'branch',
  'cacheFrom',
  'rebuild',
  'githubToken',
] as const satisfies readonly (keyof DevcontainerDeploymentProps)[];

// The builder runs as root (it chowns the checkout for the dev container's
// user) but needs no privilege: Docker work happens in the sidecar.
const BUILDER_SECURITY_CONTEXT = { privileged: false, allowPrivilegeEscalation: false, runAsUser: '0' };
// The builder only drives the CLI and `docker exec`; the dev container's
// load lands on the sidecar, which carries the workspace's CPU and memory.
const BUILDER_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

/**
 * Other workspaces' pods (`app.kubernetes.io/name=coder-workspace`) but not
 * this Deployment's own: every other selector label must differ.
 */
function antiAffinityExpressions(selectorLabels: Record<string, string>): { key: string; operator: string; values: string[] }[] {
  const own = Object.entries(selectorLabels).filter(([key]) => key !== WORKSPACE_NAME_LABEL);
  return [
    { key: WORKSPACE_NAME_LABEL, operator: 'In', values: ['coder-workspace'] },
    ...own.map(([key, value]) => ({ key, operator: 'NotIn', values: [value] })),
  ];
}
const WORKSPACE_NAME_LABEL = 'app.kubernetes.io/name';

function validate(props: DevcontainerDeploymentProps): void {
  const podLabels = props.podLabels ?? props.labels;
  for (const [key, value] of Object.entries(props.selectorLabels)) {
    const label = podLabels[key];
    // Two references to the same attribute are different tokens: compare literals only.
    const differs = !Token.isUnresolved(value) && !Token.isUnresolved(label) && label !== value;
    if (label === undefined || differs) {
      throw new Error(
        `DevcontainerDeployment: selectorLabels["${key}"] is "${value}" but the pod label "${key}" is "${label}"; the pod labels must contain every selector label.`,
      );
    }
  }
}
