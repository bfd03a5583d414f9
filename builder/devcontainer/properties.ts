/**
 * What a change of each devcontainer.json property needs, for the Dev
 * Containers CLI 0.89.0 this builder pins. Sources (devcontainers/cli):
 * - src/spec-configuration/configuration.ts: the properties the CLI reads.
 * - src/spec-node/imageMetadata.ts: a container records the configuration it
 *   was created with in its `devcontainer.metadata` label (`pickConfigProperties`);
 *   when `up` or `exec` finds it again by its id labels
 *   (`getImageMetadataFromContainer`) only `pickUpdateableConfigProperties`
 *   (`remoteUser`, `userEnvProbe`, `remoteEnv`) come from the current file,
 *   and `mergeConfiguration` takes the lifecycle commands from the label.
 * - src/spec-node/singleContainer.ts, dockerCompose.ts: what `docker run` /
 *   Compose get (image, build, features, runArgs, mounts, …, and
 *   `hostRequirements.gpu` → `--gpus all`).
 * docs/builder.md ("When the dev container is recreated") is the table for users.
 */
export type PropertyEffect =
  /** Part of what the container is: a change recreates it. */
  | 'container'
  /** A lifecycle command the CLI runs from the container's label: a change takes effect with `rebuild`. */
  | 'lifecycle'
  /** Read from the current file at every start or exec, or not used here: a change needs nothing. */
  | 'none';

/** Every property the CLI reads, and legacy ones it still maps. */
export const PROPERTY_EFFECTS: Readonly<Record<string, PropertyEffect>> = {
  // What the image is built from.
  image: 'container',
  build: 'container', // except build.cacheFrom, see containerPartOf
  dockerFile: 'container', // legacy build.dockerfile
  context: 'container', // legacy build.context
  features: 'container',
  overrideFeatureInstallOrder: 'container',
  updateRemoteUserUID: 'container', // the CLI builds a "-uid" image at creation
  // How the container is created (docker run / Compose).
  dockerComposeFile: 'container',
  service: 'container',
  runServices: 'container',
  runArgs: 'container',
  appPort: 'container', // published ports (-p)
  mounts: 'container',
  workspaceMount: 'container',
  workspaceFolder: 'container', // the default workspaceMount's target
  containerEnv: 'container',
  containerUser: 'container',
  init: 'container',
  privileged: 'container',
  capAdd: 'container',
  securityOpt: 'container',
  overrideCommand: 'container',
  hostRequirements: 'container', // only gpu (→ --gpus all); cpus, memory, storage are checks, see containerPartOf
  // Lifecycle commands: recorded in the container's label at creation.
  onCreateCommand: 'lifecycle',
  updateContentCommand: 'lifecycle',
  postCreateCommand: 'lifecycle',
  postStartCommand: 'lifecycle',
  postAttachCommand: 'lifecycle',
  waitFor: 'lifecycle',
  // Read from the current file at every start or exec.
  remoteUser: 'none',
  remoteEnv: 'none',
  userEnvProbe: 'none',
  initializeCommand: 'none', // runs in the builder before every `up`
  name: 'none', // recorded by the builder at every start
  customizations: 'none', // extensions: installed by the builder at every start
  extensions: 'none', // legacy customizations.vscode.extensions
  settings: 'none', // legacy customizations.vscode.settings
  devPort: 'none', // legacy, VS Code only
  // Used by editors (VS Code), not by the CLI's `up` or by Coder's agent here.
  forwardPorts: 'none',
  portsAttributes: 'none',
  otherPortsAttributes: 'none',
  shutdownAction: 'none',
  $schema: 'none',
};

/**
 * The part of a 'container' property's value that the container depends on:
 * `build.cacheFrom` only says where layers may come from, and of
 * `hostRequirements` only `gpu` reaches `docker run`
 * (devcontainers/cli src/spec-node/singleContainer.ts `extraRunArgs`,
 * dockerCompose.ts); the rest are checks against the host.
 */
export function containerPartOf(key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value);
  const kept = key === 'build' ? entries.filter(([k]) => k !== 'cacheFrom')
    : key === 'hostRequirements' ? entries.filter(([k]) => k === 'gpu')
      : undefined;
  if (!kept) return value;
  // Nothing left counts as absent, so adding only such keys changes nothing.
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/**
 * The effect of a top-level key. A key the pinned CLI does not know cannot
 * change what it creates, so it needs nothing; recreating for it would
 * discard the container's home directory for no effect.
 */
export function effectOf(key: string): PropertyEffect {
  return Object.prototype.hasOwnProperty.call(PROPERTY_EFFECTS, key) ? PROPERTY_EFFECTS[key]! : 'none';
}
