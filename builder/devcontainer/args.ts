import type { CachePlan } from './cache.js';

/** The id label the builder puts on its dev container (docs/architecture.md). */
export const ID_LABEL_NAME = 'devcontainer-builder.workspace';

/**
 * Second id label, from the first replacement on: which generation of the
 * workspace's dev container this is (docs/decisions.md, "Replacements get a
 * new generation"). A container without it is generation 0.
 */
export const GENERATION_LABEL_NAME = 'devcontainer-builder.generation';

/** `devcontainer-builder.workspace=<folder>`: every container of a workspace folder, all generations. */
export function idLabelFor(workspaceFolder: string): string {
  return `${ID_LABEL_NAME}=${workspaceFolder}`;
}

/** The values of the CLI's `--gpu-availability`. */
export type GpuAvailability = 'all' | 'detect' | 'none';

/** `--config <file>` when a configuration was chosen, else nothing. */
export function configArgs(configFile: string | undefined): string[] {
  return configFile === undefined ? [] : ['--config', configFile];
}

/**
 * The id labels of one generation of the dev container. The CLI sets every
 * `--id-label` on the container it creates and finds its container by all of
 * them together (devcontainers/cli src/spec-node/singleContainer.ts,
 * spawnDevContainer and findDevContainer; src/spec-shutdown/dockerUtils.ts,
 * listContainers: one `--filter label=` each), so the container of an older
 * generation never matches. Generation 0 (containers of builders before
 * generations) is found by the workspace label alone, as it always was.
 */
export function idLabelsFor(workspaceFolder: string, generation = 0): string[] {
  const labels = [idLabelFor(workspaceFolder)];
  if (generation > 0) labels.push(`${GENERATION_LABEL_NAME}=${generation}`);
  return labels;
}

/** `--id-label a --id-label b`, for the CLI. */
export function idLabelArgs(workspaceFolder: string, generation = 0): string[] {
  return idLabelsFor(workspaceFolder, generation).flatMap((label) => ['--id-label', label]);
}

/** `--filter label=a --filter label=b`, for `docker ps`. */
export function labelFilterArgs(workspaceFolder: string, generation = 0): string[] {
  return idLabelsFor(workspaceFolder, generation).flatMap((label) => ['--filter', `label=${label}`]);
}

/** Options of {@link upArgs}. */
export interface UpArgsOptions {
  readonly workspaceFolder: string;
  /**
   * `--config`: the chosen devcontainer.json, an absolute path
   * (builder/devcontainer/config-choice.ts).
   * @default - the CLI's lookup: .devcontainer/devcontainer.json, then .devcontainer.json
   */
  readonly configFile?: string;
  /**
   * `--gpu-availability` of `up` (`DEVCONTAINER_GPU_AVAILABILITY`). The CLI
   * adds `--gpus all` to `docker run` when devcontainer.json's
   * `hostRequirements.gpu` asks for a GPU and this is `all`, or `detect`
   * finds the nvidia runtime in `docker info` (devcontainers/cli
   * src/spec-node/devContainersSpecCLI.ts, option `gpu-availability`:
   * all | detect | none, default detect; only `up` has it).
   * @default - the CLI's `detect`
   */
  readonly gpuAvailability?: GpuAvailability;
  readonly cache?: CachePlan;
  /** The generation whose id labels are passed. @default 0 */
  readonly generation?: number;
  /**
   * Pass `--remove-existing-container`. Only for Compose configurations,
   * whose container the CLI finds by project and service, not by id labels
   * (devcontainers/cli src/spec-node/dockerCompose.ts, findComposeContainer),
   * so generations cannot keep the old one aside.
   */
  readonly removeExisting?: boolean;
  /** Pass `--skip-post-create`: lifecycle commands run later with `run-user-commands`. */
  readonly skipPostCreate?: boolean;
  /**
   * Pass `--skip-non-blocking-commands`: the CLI stops after the lifecycle
   * command devcontainer.json's `waitFor` names (default
   * `updateContentCommand`); `agent` runs the rest in the background
   * (builder/devcontainer/wait-for.ts, builder/steps/background-lifecycle.ts).
   */
  readonly skipNonBlocking?: boolean;
  /**
   * Pass `--expect-existing-container`: the CLI fails instead of building and
   * creating a container when none has the id label (`agent` only starts).
   */
  readonly expectExisting?: boolean;
  /**
   * Pass `--no-lockfile`: since CLI 0.87 `up` and `build` write
   * `devcontainer-lock.json` next to the configuration, a new file in the
   * checkout, unless the repository already tracks one.
   */
  readonly noLockfile?: boolean;
  /**
   * Pass `--docker-compose-path`: the Compose v1 executable, when the image
   * has no `docker compose` plugin (builder/steps/compose.ts).
   * @default - the CLI's own choice (the plugin, else `docker-compose` on PATH)
   */
  readonly dockerComposePath?: string;
}

/** Arguments of `devcontainer up`. */
export function upArgs(options: UpArgsOptions): string[] {
  const args = [
    'up',
    '--workspace-folder', options.workspaceFolder,
    ...configArgs(options.configFile),
    ...idLabelArgs(options.workspaceFolder, options.generation),
    '--log-format', 'json',
    // The builder runs as root; mapping the remote user's UID to root's
    // would only cost an extra image build. Ownership is fixed with chown.
    '--update-remote-user-uid-default', 'off',
  ];
  for (const image of options.cache?.cacheFrom ?? []) args.push('--cache-from', image);
  if (options.cache?.cacheTo) args.push('--cache-to', options.cache.cacheTo);
  if (options.removeExisting) args.push('--remove-existing-container');
  if (options.expectExisting) args.push('--expect-existing-container');
  if (options.skipPostCreate) args.push('--skip-post-create');
  if (options.skipNonBlocking) args.push('--skip-non-blocking-commands');
  if (options.noLockfile) args.push('--no-lockfile');
  if (options.dockerComposePath) args.push('--docker-compose-path', options.dockerComposePath);
  if (options.gpuAvailability) args.push('--gpu-availability', options.gpuAvailability);
  return args;
}

/**
 * Arguments of `devcontainer build`: the image `up` would build, with the
 * same cache flags, so the replacing `up` finds its
 * layers cached. `build` takes no `--id-label` (CLI 0.89.0 `build --help`).
 */
export function buildArgs(options: Omit<UpArgsOptions, 'removeExisting' | 'skipPostCreate' | 'skipNonBlocking' | 'expectExisting' | 'gpuAvailability' | 'generation'>): string[] {
  const args = ['build', '--workspace-folder', options.workspaceFolder, ...configArgs(options.configFile), '--log-format', 'json'];
  for (const image of options.cache?.cacheFrom ?? []) args.push('--cache-from', image);
  if (options.cache?.cacheTo) args.push('--cache-to', options.cache.cacheTo);
  if (options.noLockfile) args.push('--no-lockfile');
  if (options.dockerComposePath) args.push('--docker-compose-path', options.dockerComposePath);
  return args;
}

/**
 * Arguments of `devcontainer run-user-commands` for the builder's dev
 * container; `skipNonBlocking` stops it after `waitFor`, as for `up`.
 */
export function runUserCommandsArgs(workspaceFolder: string, generation = 0, containerId?: string, configFile?: string, skipNonBlocking = false): string[] {
  // With --container-id the CLI takes that container, the labels only name it
  // (devcontainers/cli src/spec-node/utils.ts, findContainerAndIdLabels).
  const container = containerId ? ['--container-id', containerId] : [];
  const args = ['run-user-commands', '--workspace-folder', workspaceFolder, ...configArgs(configFile), ...container, ...idLabelArgs(workspaceFolder, generation), '--log-format', 'json'];
  if (skipNonBlocking) args.push('--skip-non-blocking-commands');
  return args;
}
