import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What `up` leaves on the workspaces volume for the next start and for
 * `agent` (`<stateDir>/state.json`, docs/architecture.md).
 */
export interface BuilderState {
  readonly version: 1;
  readonly workspaceFolder: string;
  /** Fingerprint of the configuration the container was built from; absent for a recovery container. */
  readonly fingerprint?: string;
  readonly containerId: string;
  readonly remoteUser: string;
  readonly remoteWorkspaceFolder: string;
  /** The container is the recovery container from `DEVCONTAINER_FALLBACK_IMAGE`. */
  readonly fallback: boolean;
  /** The user the checkout was last given to. */
  readonly ownedBy?: string;
  readonly updatedAt: string;
  /** When the dev container's image was last built here, as the Coder UI shows it. */
  readonly built?: string;
  readonly timings?: Readonly<Record<string, number>>;
  /**
   * The last `up` failed and the workspace runs the container that existed
   * (or was created before the failure) instead. `kind` `configuration`:
   * devcontainer.json could not be read, so `agent` uses plain `docker exec`.
   * @default - not degraded
   */
  readonly degraded?: { readonly reason: string; readonly at: string; readonly kind?: 'configuration' | 'build' | 'up' | 'lifecycle' };
}

/** The state file's path. */
export function stateFile(stateDir: string): string {
  return path.join(stateDir, 'state.json');
}

/** Read the state; `undefined` when there is none or it is unreadable (then the builder starts afresh). */
export async function readState(stateDir: string): Promise<BuilderState | undefined> {
  try {
    const value = JSON.parse(await readFile(stateFile(stateDir), 'utf8')) as Partial<BuilderState>;
    if (value.version !== 1 || typeof value.containerId !== 'string' || typeof value.workspaceFolder !== 'string') return undefined;
    return value as BuilderState;
  } catch {
    return undefined;
  }
}

/** Write the state atomically (temporary file, then rename), so a crash never leaves half a file. */
export async function writeState(stateDir: string, state: BuilderState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = stateFile(stateDir);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  await rename(temporary, file);
}
