import { Lazy, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  DeploymentV1,
  deploymentV1SpecTemplateSpecContainerToTerraform,
  deploymentV1SpecTemplateSpecInitContainerToTerraform,
} from '@cdktf/provider-kubernetes/lib/deployment-v1/index.js';
import { Metadata } from './coder/generated/metadata/index.js';
import { builderEnv, CLONE_CREDENTIAL_DIR, cloneCredentialEnv, DOCKER_CONFIG_DIR, registryCondition } from './builder-env.js';
import {
  antiAffinityExpressions,
  BUILDER_RESOURCES,
  BUILDER_SECURITY_CONTEXT,
  REQUIRED_PROPS,
  validateDeploymentProps,
  type DevcontainerDeploymentProps,
} from './devcontainer-deployment-props.js';
import { assertUniqueNames, nullIfEmpty, renderEnv, renderMounts, splitConditional, withDynamic, type EnvVar, type PodVolume, type VolumeMount } from './pod-spec.js';
import { requireProps } from './require-props.js';

export { REQUIRED_PROPS, type DevcontainerDeploymentProps } from './devcontainer-deployment-props.js';

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
  /** Env and mounts of the `up` init container only (the clone credential). */
  private readonly upOnly: { readonly env: EnvVar[]; readonly mounts: VolumeMount[] } = { env: [], mounts: [] };

  public constructor(scope: Construct, id: string, props: DevcontainerDeploymentProps) {
    super(scope, id);
    requireProps('DevcontainerDeployment', props, [...REQUIRED_PROPS]);
    validateDeploymentProps(props);
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
    const clone = registryCondition(props.cloneCredentialSecretName);
    if (clone.present) {
      // Only `up` clones; the agent container, and so the dev container it
      // starts processes in, never sees the credential.
      this.upOnly.env.push(...cloneCredentialEnv(props.cloneCredentialSecretName));
      this.upOnly.mounts.push({ name: CLONE_CREDENTIAL_VOLUME, mountPath: CLONE_CREDENTIAL_DIR, readOnly: true, when: clone.when });
      this.extraVolumes.push({
        name: CLONE_CREDENTIAL_VOLUME,
        when: clone.when,
        // Owner-only files: the builder runs as root and reads them itself.
        source: { secret: { secret_name: props.cloneCredentialSecretName, default_mode: '0400' } },
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

  private builderBody(base: Record<string, unknown>, upOnly = false): Record<string, unknown> {
    const env = upOnly ? [...this.env, ...this.upOnly.env] : this.env;
    const mounts = upOnly ? [...this.mounts, ...this.upOnly.mounts] : this.mounts;
    return renderMounts(renderEnv(base, env), mounts);
  }

  private renderInitContainers(): Record<string, unknown>[] {
    const builder = deploymentV1SpecTemplateSpecInitContainerToTerraform({
      name: DevcontainerDeployment.builderContainerName,
      image: this.props.builderImage,
      args: ['up'],
      securityContext: BUILDER_SECURITY_CONTEXT,
      resources: BUILDER_RESOURCES,
    }) as Record<string, unknown>;
    return [this.props.sidecar._toInitContainer(), this.builderBody(builder, true)];
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
const CLONE_CREDENTIAL_VOLUME = 'clone-credential';
