import { Construct } from 'constructs';
import { DataCoderParameter, type DataCoderParameterConfig } from './coder/generated/data-coder-parameter/index.js';

/** Properties of {@link WorkspaceParameters}. */
export interface WorkspaceParametersProps {
  /**
   * Default repository of new workspaces.
   * @default "https://github.com/vgijssel/setup.git"
   */
  readonly defaultRepository?: string;
}

/**
 * A git ref name, approximated for RE2 (Go's regexp has no look-ahead):
 * slash-separated parts of letters, digits, `.`, `_`, `-`, none starting
 * with `.` or `-`. See git-check-ref-format(1).
 */
export const GIT_REF_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$';

/** An https git URL, an ssh:// URL or scp-like `user@host:path`. */
export const GIT_URL_PATTERN = '^(https://[^\\s/@]+(:[0-9]+)?/[^\\s]+|ssh://[^\\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\\s]+)$';

/** Empty, or a relative path (no leading `/`, no blanks) to a `.json` file. */
export const DEVCONTAINER_CONFIG_PATTERN = '^$|^[^/\\s][^\\s]*\\.json$';

/**
 * The user-facing workspace parameters. Names are API: the live-cluster test
 * kit and existing workspaces use them (`--parameter cpu=4`).
 */
export class WorkspaceParameters extends Construct {
  public readonly cpu: DataCoderParameter;
  public readonly memory: DataCoderParameter;
  public readonly workspacesVolumeSize: DataCoderParameter;
  public readonly dockerVolumeSize: DataCoderParameter;
  public readonly repository: DataCoderParameter;
  public readonly gitBranch: DataCoderParameter;
  public readonly rebuild: DataCoderParameter;
  /** `devcontainer_config`: devcontainer.json relative to the repository root; empty = the CLI's lookup. */
  public readonly devcontainerConfig: DataCoderParameter;
  private readonly configs: DataCoderParameterConfig[] = [];

  public constructor(scope: Construct, id: string, props: WorkspaceParametersProps = {}) {
    super(scope, id);
    this.repository = this.parameter({
      name: 'repository',
      displayName: 'Repository',
      description: 'Git URL of the repository whose dev container is built (https or ssh).',
      icon: '/icon/git.svg',
      type: 'string',
      default: props.defaultRepository ?? 'https://github.com/vgijssel/setup.git',
      mutable: false,
      order: 1,
      validation: { regex: GIT_URL_PATTERN, error: 'Enter an https:// or ssh git URL, e.g. https://github.com/org/repo.git.' },
    });
    this.gitBranch = this.parameter({
      name: 'git_branch',
      displayName: 'Git branch',
      description: 'Branch to check out. Changing it switches branches on the next start when the checkout is clean.',
      icon: '/icon/git.svg',
      type: 'string',
      default: 'main',
      mutable: true,
      order: 2,
      validation: { regex: GIT_REF_PATTERN, error: 'Enter a valid git branch name, e.g. main or feature/x.' },
    });
    this.cpu = this.parameter({
      name: 'cpu',
      displayName: 'CPU',
      description: 'CPU cores available to the dev container.',
      icon: '/icon/memory.svg',
      type: 'number',
      default: '2',
      mutable: true,
      order: 3,
      validation: { min: 1, max: 16, error: 'CPU must be between {min} and {max} cores.' },
    });
    this.memory = this.parameter({
      name: 'memory',
      displayName: 'Memory (GiB)',
      description: 'Memory available to the dev container, in GiB.',
      icon: '/icon/memory.svg',
      type: 'number',
      default: '4',
      mutable: true,
      order: 4,
      validation: { min: 1, max: 64, error: 'Memory must be between {min} and {max} GiB.' },
    });
    this.workspacesVolumeSize = this.parameter({
      name: 'workspaces_volume_size',
      displayName: 'Workspaces volume (GiB)',
      description: 'Size of the persistent /workspaces volume (the checkout), in GiB.',
      icon: '/emojis/1f4be.png',
      type: 'number',
      default: '10',
      mutable: false,
      order: 5,
      validation: { min: 1, max: 500, error: 'The workspaces volume must be between {min} and {max} GiB.' },
    });
    this.dockerVolumeSize = this.parameter({
      name: 'docker_volume_size',
      displayName: 'Docker volume (GiB)',
      description: "Size of the persistent volume for Docker's images and build cache, in GiB.",
      icon: '/icon/docker.svg',
      type: 'number',
      default: '30',
      mutable: false,
      order: 6,
      validation: { min: 10, max: 1000, error: 'The Docker volume must be between {min} and {max} GiB.' },
    });
    this.rebuild = this.parameter({
      name: 'rebuild',
      displayName: 'Rebuild dev container',
      description: 'Rebuild the dev container on this start (the checkout is kept).',
      icon: '/icon/docker.svg',
      type: 'bool',
      default: 'false',
      mutable: true,
      ephemeral: true,
      order: 8,
    });
    // The builder checks the rest after the clone (inside the checkout, a
    // file) and lists the configurations found (builder/devcontainer/config-choice.ts).
    this.devcontainerConfig = this.parameter({
      name: 'devcontainer_config',
      displayName: 'Dev container configuration',
      description:
        'devcontainer.json to use, relative to the repository root, e.g. .devcontainer/python/devcontainer.json. Empty: .devcontainer/devcontainer.json or .devcontainer.json (or the only .devcontainer/<name>/devcontainer.json). The build log lists the ones the repository has.',
      icon: '/icon/docker.svg',
      type: 'string',
      default: '',
      mutable: true,
      order: 7,
      validation: { regex: DEVCONTAINER_CONFIG_PATTERN, error: 'Enter a relative path to a .json file, e.g. .devcontainer/python/devcontainer.json, or leave it empty.' },
    });
  }

  /**
   * Every parameter's name and default, in order: the values of the default
   * preset (constructs/prebuild-preset.ts). A parameter added with
   * {@link parameter} is included automatically.
   */
  public defaults(): Record<string, string> {
    return Object.fromEntries(this.configs.map((c) => {
      if (c.default === undefined) throw new Error(`WorkspaceParameters: parameter "${c.name}" has no default; every parameter needs one (the default preset and prebuilt workspaces use it).`);
      return [c.name, c.default];
    }));
  }

  /**
   * Adds a parameter (`data.coder_parameter.<name>`). It needs a default and
   * a description, and joins the default preset.
   */
  public addParameter(config: DataCoderParameterConfig): DataCoderParameter {
    return this.parameter(config);
  }

  /** The names of every parameter, in order. */
  public get names(): readonly string[] {
    return this.configs.map((c) => c.name);
  }

  private parameter(config: DataCoderParameterConfig): DataCoderParameter {
    if (!config.description) throw new Error(`WorkspaceParameters: parameter "${config.name}" needs a description (Coder Agents and the create form show it).`);
    this.configs.push(config);
    const parameter = new DataCoderParameter(this, config.name, config);
    parameter.overrideLogicalId(config.name);
    return parameter;
  }
}
