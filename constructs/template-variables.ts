import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';

/** Properties of {@link TemplateVariables}. */
export interface TemplateVariablesProps {
  /** The project version; the default builder image is tagged with it. */
  readonly version: string;
  /**
   * Default DinD image, an exact `docker:<x.y.z>-dind` tag.
   * @default "docker:28.5.1-dind"
   */
  readonly dindImage?: string;
}

/** The default DinD image: exact, so every workspace runs the same dockerd. */
export const DEFAULT_DIND_IMAGE = 'docker:28.5.1-dind';

interface VariableSpec {
  readonly description: string;
  readonly default: string;
  /** A Terraform condition on the variable, and the message when it is false. */
  readonly validation?: { readonly condition: (ref: string) => string; readonly errorMessage: string };
}

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';

/** Values of `kubernetes.io/arch` that are also `coder_agent` arch values (amd64, arm64). */
const ARCHES = ['amd64', 'arm64'];
/** Access modes a single workspace pod can use (Kubernetes "Persistent Volumes", access modes). */
const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'];

/** One of the listed strings. */
const oneOf = (values: readonly string[]) => (ref: string) => `contains(${JSON.stringify(values)}, ${ref})`;
/** Empty, or matching the pattern. */
const emptyOr = (pattern: string) => (ref: string) => `${ref} == "" || can(regex("${pattern}", ${ref}))`;
const matches = (pattern: string) => (ref: string) => `can(regex("${pattern}", ${ref}))`;

/**
 * The admin-facing template variables (`coder templates push --variable name=value`).
 * Terraform names are the property names in snake_case and are API.
 */
export class TemplateVariables extends Construct {
  public readonly namespace: TerraformVariable;
  public readonly builderImage: TerraformVariable;
  public readonly dindImage: TerraformVariable;
  public readonly storageClass: TerraformVariable;
  public readonly cacheRepo: TerraformVariable;
  public readonly registryAuthSecret: TerraformVariable;
  public readonly runtimeClassName: TerraformVariable;
  public readonly externalAuthId: TerraformVariable;
  public readonly agentUrl: TerraformVariable;
  /** `fallback_image`: the recovery container's image ("" = the builder image, "none" = no recovery). */
  public readonly fallbackImage: TerraformVariable;
  /** `arch`: the agent binary's architecture and the pod's `kubernetes.io/arch` node selector. */
  public readonly arch: TerraformVariable;
  /** `pvc_access_mode`: the access mode of both workspace volumes. */
  public readonly pvcAccessMode: TerraformVariable;
  /** `ssh_known_hosts`: the only host keys the builder accepts for an ssh repository URL. */
  public readonly sshKnownHosts: TerraformVariable;
  /** `gpu_count` (number): NVIDIA GPUs of each workspace (`nvidia.com/gpu` on the DinD sidecar); 0 = none. */
  public readonly gpuCount: TerraformVariable;
  /** `gpu_runtime_class_name`: RuntimeClass of GPU pods (e.g. `nvidia`), used when `gpu_count` > 0 and `runtime_class_name` is empty. */
  public readonly gpuRuntimeClassName: TerraformVariable;
  /** `up_timeout_seconds`: one deadline for the builder's whole `up` (`DEVCONTAINER_UP_TIMEOUT_SECONDS`). */
  public readonly upTimeoutSeconds: TerraformVariable;
  /** `clone_credential_secret`: a read-only clone credential for workspaces without a GitHub token (prebuilds). */
  public readonly cloneCredentialSecret: TerraformVariable;

  public constructor(scope: Construct, id: string, props: TemplateVariablesProps) {
    super(scope, id);
    this.namespace = this.variable('namespace', {
      description: 'Kubernetes namespace the workspaces are created in (it must exist).',
      default: 'coder-workspace',
      validation: { condition: matches(DNS_LABEL), errorMessage: 'namespace must be a DNS label: lower-case letters, digits and "-".' },
    });
    this.builderImage = this.variable('builder_image', {
      description: 'Image with devcontainer-builder (entrypoint `tini -- devcontainer-builder`).',
      default: `ghcr.io/vgijssel/setup/devcontainer-builder:${props.version}`,
      validation: { condition: matches('^[^\\\\s]+[:@][^\\\\s]+$'), errorMessage: 'builder_image must be an image reference with a tag or digest.' },
    });
    this.dindImage = this.variable('dind_image', {
      description: 'Docker-in-Docker image, an exact docker:<x.y.z>-dind tag (optionally from a mirror).',
      default: props.dindImage ?? DEFAULT_DIND_IMAGE,
      validation: {
        condition: matches('(^|/)docker:[0-9]+\\\\.[0-9]+\\\\.[0-9]+-dind(@sha256:[a-f0-9]{64})?$'),
        errorMessage: 'dind_image must be an exact docker:<x.y.z>-dind tag, e.g. docker:28.5.1-dind.',
      },
    });
    this.storageClass = this.variable('storage_class', {
      description: 'StorageClass of the workspace volumes; empty for the cluster default.',
      default: '',
      validation: { condition: emptyOr(DNS_SUBDOMAIN), errorMessage: 'storage_class must be empty or a StorageClass name.' },
    });
    this.cacheRepo = this.variable('cache_repo', {
      description: 'Registry repository of the dev container build cache (no tag).',
      default: 'ghcr.io/vgijssel/setup/devcontainer-cache',
      validation: {
        condition: matches('^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$'),
        errorMessage: 'cache_repo must be a registry repository without tag, e.g. ghcr.io/org/devcontainer-cache.',
      },
    });
    this.registryAuthSecret = this.variable('registry_auth_secret', {
      description: 'Optional kubernetes.io/dockerconfigjson Secret in the namespace for cache pull and push; empty: anonymous pull, no push.',
      default: '',
      validation: { condition: emptyOr(DNS_SUBDOMAIN), errorMessage: 'registry_auth_secret must be empty or a Secret name.' },
    });
    this.runtimeClassName = this.variable('runtime_class_name', {
      description: 'Optional RuntimeClass (e.g. sysbox-runc); when set, Docker-in-Docker runs without privileged.',
      default: '',
      validation: { condition: emptyOr(DNS_SUBDOMAIN), errorMessage: 'runtime_class_name must be empty or a RuntimeClass name.' },
    });
    this.externalAuthId = this.variable('external_auth_id', {
      description: 'Id of the GitHub external auth provider configured in Coder.',
      default: 'primary-github',
      validation: { condition: (ref) => `length(${ref}) > 0`, errorMessage: 'external_auth_id must not be empty.' },
    });
    this.fallbackImage = this.variable('fallback_image', {
      description:
        'Image of the recovery container started when the dev container cannot be built, so users can still connect and fix .devcontainer/; empty: the builder image (Debian with git); "none": no recovery container, the workspace fails instead.',
      default: '',
      validation: {
        condition: (ref) => `${ref} == "" || ${ref} == "none" || can(regex("^[^\\\\s]+[:@][^\\\\s]+$", ${ref}))`,
        errorMessage: 'fallback_image must be empty, "none", or an image reference with a tag or digest.',
      },
    });
    this.agentUrl = this.variable('agent_url', {
      description: "Optional in-cluster URL of Coder for the agent and the builder; empty: the deployment's access URL.",
      default: '',
      validation: { condition: emptyOr('^https?://[^\\\\s]+$'), errorMessage: 'agent_url must be empty or an http(s) URL.' },
    });
    this.arch = this.variable('arch', {
      description:
        'CPU architecture of the workspace nodes: the agent binary Coder serves and the kubernetes.io/arch node selector of the pod (the builder image must exist for it).',
      default: 'amd64',
      validation: { condition: oneOf(ARCHES), errorMessage: `arch must be one of ${ARCHES.join(', ')} (Kubernetes' kubernetes.io/arch values the coder agent is built for).` },
    });
    this.pvcAccessMode = this.variable('pvc_access_mode', {
      description:
        'Access mode of the workspace volumes. ReadWriteOncePod (Kubernetes 1.29+, CSI volumes) keeps a second pod from mounting them; it applies to new workspaces only.',
      default: 'ReadWriteOnce',
      validation: { condition: oneOf(ACCESS_MODES), errorMessage: `pvc_access_mode must be one of ${ACCESS_MODES.join(', ')}.` },
    });
    // The builder validates the lines and names the problem (builder/git/known-hosts.ts), so no regex here.
    this.sshKnownHosts = this.variable('ssh_known_hosts', {
      description:
        'known_hosts lines (as `ssh-keyscan <host>` prints them) with the only host keys the builder accepts when the repository parameter is an ssh URL. Required for ssh URLs: the builder clones with the workspace owner\'s Coder git SSH key and never trusts a host key on first use.',
      default: '',
    });
    this.gpuCount = new TerraformVariable(this, 'gpu_count', {
      type: 'number',
      description:
        'NVIDIA GPUs per workspace: a nvidia.com/gpu limit on the Docker-in-Docker sidecar, and the builder passes --gpu-availability all to the Dev Containers CLI (none when 0). The nodes need the NVIDIA device plugin and dind_image an NVIDIA container runtime.',
      default: 0,
      nullable: false,
    });
    this.gpuCount.overrideLogicalId('gpu_count');
    this.gpuCount.addValidation({
      condition: '${var.gpu_count >= 0 && var.gpu_count <= 16 && floor(var.gpu_count) == var.gpu_count}',
      errorMessage: 'gpu_count must be a whole number from 0 (no GPU) to 16.',
    });
    this.gpuRuntimeClassName = this.variable('gpu_runtime_class_name', {
      description:
        'Optional RuntimeClass of workspaces with GPUs (e.g. nvidia, from the NVIDIA GPU Operator); used only when gpu_count > 0. A pod has one RuntimeClass: when runtime_class_name is set too, it wins.',
      default: '',
      validation: { condition: emptyOr(DNS_SUBDOMAIN), errorMessage: 'gpu_runtime_class_name must be empty or a RuntimeClass name.' },
    });
    this.upTimeoutSeconds = this.variable('up_timeout_seconds', {
      description: 'Seconds the builder may take for the whole start (wait for Docker, clone, build, lifecycle commands) before it keeps the existing dev container or starts the recovery container; sized for a cold build.',
      default: '3600',
      validation: { condition: matches('^[1-9][0-9]{0,4}$'), errorMessage: 'up_timeout_seconds must be a whole number of seconds from 1 to 99999.' },
    });
    this.cloneCredentialSecret = this.variable('clone_credential_secret', {
      description:
        'Optional kubernetes.io/basic-auth Secret in the namespace (key password: a read-only token; optional username) the builder clones an https repository with when the workspace has no GitHub token, as a prebuilt workspace before it is claimed. Mounted read-only into the clone step only. Empty: none.',
      default: '',
      validation: { condition: emptyOr(DNS_SUBDOMAIN), errorMessage: 'clone_credential_secret must be empty or a Secret name.' },
    });
  }

  private variable(name: string, spec: VariableSpec): TerraformVariable {
    const variable = new TerraformVariable(this, name, {
      type: 'string',
      description: spec.description,
      default: spec.default,
      nullable: false,
    });
    variable.overrideLogicalId(name);
    if (spec.validation) {
      variable.addValidation({
        condition: `\${${spec.validation.condition(`var.${name}`)}}`,
        errorMessage: spec.validation.errorMessage,
      });
    }
    return variable;
  }
}
