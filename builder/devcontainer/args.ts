import type { CachePlan } from './cache.js';

/** The id label the builder puts on its dev container (docs/architecture.md). */
export const ID_LABEL_NAME = 'devcontainer-builder.workspace';

/** `devcontainer-builder.workspace=<folder>`: finds the dev container of a workspace folder. */
export function idLabelFor(workspaceFolder: string): string {
  return `${ID_LABEL_NAME}=${workspaceFolder}`;
}

/** The values of the CLI's `--gpu-availability`. */
export type GpuAvailability = 'all' | 'detect' | 'none';

/** `--config <file>` when a configuration was chosen, else nothing. */
export function configArgs(configFile: string | undefined): string[] {
  return configFile === undefined ? [] : ['--config', configFile];
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
  /** Pass `--remove-existing-container`: the configuration changed or a rebuild was asked for. */
  readonly removeExisting?: boolean;
  /** Pass `--skip-post-create`: lifecycle commands run later with `run-user-commands`. */
  readonly skipPostCreate?: boolean;
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
    '--id-label', idLabelFor(options.workspaceFolder),
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
  if (options.noLockfile) args.push('--no-lockfile');
  if (options.dockerComposePath) args.push('--docker-compose-path', options.dockerComposePath);
  if (options.gpuAvailability) args.push('--gpu-availability', options.gpuAvailability);
  return args;
}

/**
 * Arguments of `devcontainer build`: the image `up` would build, with the
 * same cache flags, so a later `up --remove-existing-container` finds its
 * layers cached. `build` takes no `--id-label` (CLI 0.89.0 `build --help`).
 */
export function buildArgs(options: Omit<UpArgsOptions, 'removeExisting' | 'skipPostCreate' | 'expectExisting' | 'gpuAvailability'>): string[] {
  const args = ['build', '--workspace-folder', options.workspaceFolder, ...configArgs(options.configFile), '--log-format', 'json'];
  for (const image of options.cache?.cacheFrom ?? []) args.push('--cache-from', image);
  if (options.cache?.cacheTo) args.push('--cache-to', options.cache.cacheTo);
  if (options.noLockfile) args.push('--no-lockfile');
  if (options.dockerComposePath) args.push('--docker-compose-path', options.dockerComposePath);
  return args;
}

/** Arguments of `devcontainer run-user-commands` for the builder's dev container. */
export function runUserCommandsArgs(workspaceFolder: string, configFile?: string): string[] {
  return ['run-user-commands', '--workspace-folder', workspaceFolder, ...configArgs(configFile), '--id-label', idLabelFor(workspaceFolder), '--log-format', 'json'];
}
