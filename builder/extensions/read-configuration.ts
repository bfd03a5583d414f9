/** Where `devcontainer read-configuration` should look. */
export interface ReadConfigurationTarget {
  /** The checkout on the builder's side (`/workspaces/<repo>`). */
  readonly workspaceFolder: string;
  /**
   * The running dev container. With it the CLI merges the metadata the
   * container was really built with (its `devcontainer.metadata` label:
   * image, features and devcontainer.json at build time).
   * @default - the CLI reads devcontainer.json and inspects the image
   */
  readonly containerId?: string;
  /** `--config`: the chosen devcontainer.json (absolute). @default - the CLI's lookup */
  readonly configFile?: string;
}

/** The parts of the CLI's answer the builder uses. */
export interface ReadConfigurationOutput {
  /** `mergedConfiguration`, to be read by `resolveVscodeCustomizations`. */
  readonly mergedConfiguration: unknown;
  /** The workspace folder inside the container, when the CLI reported one. */
  readonly remoteWorkspaceFolder?: string;
  /** `remoteUser` after merging, when set anywhere. */
  readonly remoteUser?: string;
}

/** The CLI arguments (after the `devcontainer` binary) for reading the merged configuration. */
export function mergedConfigurationArgs(target: ReadConfigurationTarget): string[] {
  const args = ['read-configuration', '--workspace-folder', target.workspaceFolder];
  if (target.configFile) args.push('--config', target.configFile);
  if (target.containerId) args.push('--container-id', target.containerId);
  args.push('--include-merged-configuration', '--log-format', 'json');
  return args;
}

/**
 * Parse the CLI's stdout: one JSON document (pretty-printed or on one line),
 * logs go to stderr. Throws an `Error` saying what is missing, so the caller
 * can log it; the raw text is not repeated because it may be large.
 */
export function parseReadConfigurationOutput(stdout: string): ReadConfigurationOutput {
  const start = stdout.indexOf('{');
  if (start === -1) throw new Error('read-configuration printed no JSON on stdout');
  let value: unknown;
  try {
    value = JSON.parse(stdout.slice(start));
  } catch (error) {
    throw new Error(`read-configuration printed invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null) throw new Error('read-configuration printed no JSON object');
  const doc = value as Record<string, unknown>;
  if (!('mergedConfiguration' in doc)) {
    throw new Error('read-configuration printed no "mergedConfiguration" (was --include-merged-configuration passed?)');
  }
  const merged = doc.mergedConfiguration;
  const workspace = doc.workspace as Record<string, unknown> | undefined;
  return {
    mergedConfiguration: merged,
    remoteWorkspaceFolder: stringField(workspace, 'workspaceFolder'),
    remoteUser: stringField(merged, 'remoteUser') ?? stringField(merged, 'containerUser'),
  };
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.length > 0 ? field : undefined;
}
