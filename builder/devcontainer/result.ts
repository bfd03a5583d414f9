/** Fields of the CLI's one stdout result line that the builder uses. */
export interface UpSuccess {
  readonly outcome: 'success';
  readonly containerId: string;
  readonly remoteUser: string;
  readonly remoteWorkspaceFolder: string;
  readonly composeProjectName?: string;
}

/** The CLI's result line when `up` (or `run-user-commands`) failed. */
export interface UpFailure {
  readonly outcome: 'error';
  readonly message: string;
  readonly description: string;
  readonly containerId?: string;
  readonly didStopContainer?: boolean;
  readonly learnMoreUrl?: string;
}

export type UpResult = UpSuccess | UpFailure;

/**
 * Find and parse the result line in the CLI's stdout: the last line that is a
 * JSON object with an `outcome` (devcontainers/cli `devContainersSpecCLI.ts`
 * writes exactly one, after all logs went to stderr). Returns `undefined` when
 * there is none, e.g. the CLI crashed before it could write one.
 */
export function parseResultLine(stdout: string): UpResult | undefined {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    let value: unknown;
    try {
      value = JSON.parse(lines[i]!);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const r = value as Record<string, unknown>;
    if (r.outcome === 'success') {
      return {
        outcome: 'success',
        containerId: str(r.containerId) ?? '',
        remoteUser: str(r.remoteUser) ?? 'root',
        remoteWorkspaceFolder: str(r.remoteWorkspaceFolder) ?? '',
        composeProjectName: str(r.composeProjectName),
      };
    }
    if (r.outcome === 'error') {
      return {
        outcome: 'error',
        message: str(r.message) ?? '',
        description: str(r.description) ?? str(r.message) ?? 'The Dev Containers CLI reported an error.',
        containerId: str(r.containerId),
        didStopContainer: typeof r.didStopContainer === 'boolean' ? r.didStopContainer : undefined,
        learnMoreUrl: str(r.learnMoreUrl),
      };
    }
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
