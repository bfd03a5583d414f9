import { Token } from 'cdktf';
import type { Agent } from './coder/generated/agent/index.js';
import type { DindSidecar } from './dind-sidecar.js';
import type { EnvVar } from './pod-spec.js';

/** What the builder needs to know, passed to it as environment (see docs/architecture.md). */
export interface BuilderSettings {
  /** URL the agent and the builder use to reach Coder (`CODER_AGENT_URL`). */
  readonly agentUrl: string;
  /**
   * The script that starts the agent (`CODER_INIT_SCRIPT`). The coder provider
   * bakes the access URL into `init_script` at plan time, so a template that
   * lets the agent use another URL passes a rewritten copy here.
   * @default - `init_script` of the agent, unchanged
   */
  readonly initScript?: string;
  /** Git URL of the repository to build (`DEVCONTAINER_REPOSITORY`). */
  readonly repository: string;
  /** Branch to check out (`DEVCONTAINER_BRANCH`). */
  readonly branch: string;
  /** Comma-separated cache images to build from (`DEVCONTAINER_CACHE_FROM`). */
  readonly cacheFrom: string;
  /**
   * Cache image to push to (`DEVCONTAINER_CACHE_TO`). Pushing needs
   * credentials, so it is set only together with {@link registryAuthSecretName}
   * and under the same condition.
   * @default - no cache export
   */
  readonly cacheTo?: string;
  /**
   * Name of a `kubernetes.io/dockerconfigjson` Secret for cache pull and push;
   * mounted as `config.json` and pointed to by `DOCKER_CONFIG`. An empty
   * string (also from a variable at plan time) means none.
   * @default - anonymous registry access
   * @see https://kubernetes.io/docs/concepts/configuration/secret/#docker-config-secrets
   */
  readonly registryAuthSecretName?: string;
  /**
   * Folder of the checkout, when not `/workspaces/<repository name>` (`DEVCONTAINER_WORKSPACE_FOLDER`).
   * @default - the builder derives it from the repository
   */
  readonly workspaceFolder?: string;
  /**
   * Image of the recovery container when the dev container cannot be built
   * (`DEVCONTAINER_FALLBACK_IMAGE`); may be a reference. An empty value at
   * run time means no recovery container.
   * @default - no recovery container: a failed build fails the pod's init container
   */
  readonly fallbackImage?: string;
  /**
   * known_hosts lines for ssh repository URLs (`DEVCONTAINER_SSH_KNOWN_HOSTS`); may be a reference.
   * @default - none: the builder refuses ssh URLs in a workspace
   */
  readonly sshKnownHosts?: string;
  /**
   * Seconds for the builder's whole `up` (`DEVCONTAINER_UP_TIMEOUT_SECONDS`); may be a reference.
   * @default - the builder's default, 3600
   */
  readonly upTimeoutSeconds?: string;
  /** `"true"` to rebuild the dev container on this start (`DEVCONTAINER_REBUILD`); may be a reference. */
  readonly rebuild: string;
  /**
   * The Secret key with the owner's GitHub token (`GH_TOKEN`, through
   * `secret_key_ref`: a new owner's token never changes the pod template,
   * see constructs/git-token-secret.ts).
   */
  readonly githubTokenSecret: { readonly name: string; readonly key: string };
  /**
   * Name of a `kubernetes.io/basic-auth` Secret (`password`, optional
   * `username`) with a read-only clone credential, for a workspace whose
   * `GH_TOKEN` is empty (a prebuilt workspace has no owner yet). Mounted
   * read-only into the `up` init container only, never into the agent
   * container or the dev container. An empty string (also from a variable
   * at plan time) means none.
   * @default - none
   */
  readonly cloneCredentialSecretName?: string;
  /**
   * devcontainer.json to use, relative to the checkout (`DEVCONTAINER_CONFIG`); may be a reference.
   * @default - the Dev Containers CLI's lookup
   */
  readonly devcontainerConfig?: string;
  /**
   * What the DinD sidecar gives the dev container, for the builder's
   * hostRequirements warnings: CPUs, memory and Docker volume in GiB
   * (`DEVCONTAINER_WORKSPACE_CPUS`, `…_MEMORY_GIB`, `…_STORAGE_GIB`); may be references.
   * @default - not compared
   */
  readonly capacity?: { readonly cpus: string; readonly memoryGiB: string; readonly storageGiB: string };
  /**
   * The CLI's `--gpu-availability` (`DEVCONTAINER_GPU_AVAILABILITY`): `all`
   * when the sidecar has GPUs, `none` otherwise; may be a reference.
   * @default - the CLI's `detect`
   */
  readonly gpuAvailability?: string;
}

/** Inputs of {@link builderEnv}: the settings plus the objects the values come from. */
export interface BuilderEnvInputs extends BuilderSettings {
  readonly agent: Agent;
  readonly sidecar: DindSidecar;
}

/** Where the clone credential Secret is mounted in the `up` init container (`DEVCONTAINER_CLONE_CREDENTIAL_DIR`). */
export const CLONE_CREDENTIAL_DIR = '/var/run/devcontainer-builder/clone-credential';

/** The directory `DOCKER_CONFIG` points to when a registry secret is configured. */
export const DOCKER_CONFIG_DIR = '/var/run/docker-config';

/**
 * The builder containers' environment. Tokens travel only here, never as
 * arguments, so they do not show up in process listings or pod specs' args.
 */
export function builderEnv(s: BuilderEnvInputs): EnvVar[] {
  if (s.cacheTo !== undefined && s.registryAuthSecretName === undefined) {
    throw new Error('DevcontainerDeployment: cacheTo is set but registryAuthSecretName is not; pushing a cache needs registry credentials, so set both or neither.');
  }
  const auth = registryCondition(s.registryAuthSecretName);
  const env: EnvVar[] = [
    { name: 'CODER_AGENT_URL', value: s.agentUrl },
    { name: 'CODER_AGENT_TOKEN', value: s.agent.token },
    { name: 'CODER_INIT_SCRIPT', value: s.initScript ?? s.agent.initScript },
    { name: 'DEVCONTAINER_REPOSITORY', value: s.repository },
    { name: 'DEVCONTAINER_BRANCH', value: s.branch },
    { name: 'DEVCONTAINER_CACHE_FROM', value: s.cacheFrom },
  ];
  if (auth.present && s.cacheTo !== undefined) env.push({ name: 'DEVCONTAINER_CACHE_TO', value: s.cacheTo, when: auth.when });
  if (s.workspaceFolder !== undefined) env.push({ name: 'DEVCONTAINER_WORKSPACE_FOLDER', value: s.workspaceFolder });
  if (s.fallbackImage !== undefined) env.push({ name: 'DEVCONTAINER_FALLBACK_IMAGE', value: s.fallbackImage });
  if (s.sshKnownHosts !== undefined) env.push({ name: 'DEVCONTAINER_SSH_KNOWN_HOSTS', value: s.sshKnownHosts });
  if (s.devcontainerConfig !== undefined) env.push({ name: 'DEVCONTAINER_CONFIG', value: s.devcontainerConfig });
  if (s.capacity !== undefined) {
    env.push(
      { name: 'DEVCONTAINER_WORKSPACE_CPUS', value: s.capacity.cpus },
      { name: 'DEVCONTAINER_WORKSPACE_MEMORY_GIB', value: s.capacity.memoryGiB },
      { name: 'DEVCONTAINER_WORKSPACE_STORAGE_GIB', value: s.capacity.storageGiB },
    );
  }
  if (s.gpuAvailability !== undefined) env.push({ name: 'DEVCONTAINER_GPU_AVAILABILITY', value: s.gpuAvailability });
  if (s.upTimeoutSeconds !== undefined) env.push({ name: 'DEVCONTAINER_UP_TIMEOUT_SECONDS', value: s.upTimeoutSeconds });
  env.push(
    { name: 'DEVCONTAINER_REBUILD', value: s.rebuild },
    { name: 'GH_TOKEN', value: '', secretKeyRef: s.githubTokenSecret },
    { name: 'DOCKER_HOST', value: s.sidecar.dockerHost },
  );
  if (auth.present) env.push({ name: 'DOCKER_CONFIG', value: DOCKER_CONFIG_DIR, when: auth.when });
  return env;
}

/** The `up` init container's extra env: where the clone credential is, when one is configured. */
export function cloneCredentialEnv(secretName: string | undefined): EnvVar[] {
  const c = registryCondition(secretName);
  return c.present ? [{ name: 'DEVCONTAINER_CLONE_CREDENTIAL_DIR', value: CLONE_CREDENTIAL_DIR, when: c.when }] : [];
}

/**
 * Whether an optional Secret (registry credentials, clone credential) is
 * configured: never (undefined or ""), always (a literal name) or when a
 * variable is non-empty at plan time.
 */
export function registryCondition(secretName: string | undefined): { present: boolean; when?: string } {
  if (secretName === undefined || secretName === '') return { present: false };
  if (Token.isUnresolved(secretName)) return { present: true, when: `${secretName} != ""` };
  return { present: true };
}
