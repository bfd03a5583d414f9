import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isStoredFingerprint, type StoredFingerprint } from '../devcontainer/fingerprint.js';
import { inStep } from '../step-boundary.js';
import type { RecordedInContainer } from '../steps/record-info.js';

/**
 * What `up` leaves on the workspaces volume for the next start and for
 * `agent`, one file per workspace folder ({@link stateFile},
 * docs/architecture.md), so switching repositories keeps each one's record.
 */
export interface BuilderState {
  readonly version: 1;
  readonly workspaceFolder: string;
  /**
   * Fingerprints of what the container was made from; absent for a recovery
   * container. A string is the single fingerprint of builders before format 2.
   */
  readonly fingerprint?: StoredFingerprint;
  readonly containerId: string;
  /**
   * The generation of `containerId`, whose id labels every lookup uses
   * (builder/devcontainer/args.ts, idLabelsFor). @default 0 (builders before generations)
   */
  readonly generation?: number;
  /**
   * The container the last successful replacement stopped and kept (at most
   * one; removed only when a newer replacement keeps its own).
   * @default - none
   */
  readonly backup?: { readonly containerId: string; readonly generation: number; readonly at: string };
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
  /**
   * What `up` wrote into the dev container (info and VS Code record), so the
   * next start of the same container writes (and reads) only what changed.
   * @default - nothing known: everything is written again
   */
  readonly records?: RecordedInContainer;
  /**
   * The lifecycle commands after `waitFor` that `up` left to `agent`, which
   * runs them in the background (builder/steps/background-lifecycle.ts) and
   * records how that ended in `ran`, so a restarted agent does not run them
   * again. @default - none left (a recovery or degraded container, builders before waitFor)
   */
  readonly lifecycle?: LifecycleState;
}

/** {@link BuilderState.lifecycle}. */
export interface LifecycleState {
  /** The container's effective `waitFor` (builder/devcontainer/wait-for.ts). */
  readonly waitFor: string;
  /** The commands after it, in run order. */
  readonly pending: readonly string[];
  /** How the background run ended; the command that failed or was interrupted. @default - it has not ended */
  readonly ran?: { readonly outcome: 'success' | 'failed' | 'interrupted'; readonly command?: string; readonly at: string };
}

/**
 * The state file of a workspace folder:
 * `<stateDir>/workspaces/<folder name>-<hash of the full path>.json`. The
 * name is for people; the hash keeps `/a/x` and `/b/x` apart.
 */
export function stateFile(stateDir: string, workspaceFolder: string): string {
  const folder = path.resolve(workspaceFolder);
  const hash = createHash('sha256').update(folder).digest('hex').slice(0, 16);
  const name = path.basename(folder).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'root';
  return path.join(stateDir, 'workspaces', `${name}-${hash}.json`);
}

/** The single state file of builders before per-folder state; it belongs to the folder it names. */
export function legacyStateFile(stateDir: string): string {
  return path.join(stateDir, 'state.json');
}

/**
 * Read the state of a workspace folder; `undefined` when there is none or it
 * is unreadable (then the builder keeps whatever container exists and
 * records afresh). Falls back to the legacy `state.json` when that names the folder.
 */
export async function readState(stateDir: string, workspaceFolder: string): Promise<BuilderState | undefined> {
  const own = await readStateFile(stateFile(stateDir, workspaceFolder), workspaceFolder);
  if (own !== 'missing') return own;
  const legacy = await readStateFile(legacyStateFile(stateDir), workspaceFolder);
  return legacy === 'missing' ? undefined : legacy;
}

/**
 * Write the state of `state.workspaceFolder` atomically (temporary file, then
 * rename), so a crash never leaves half a file. A legacy `state.json` of the
 * same folder is removed once its successor is written. Throws a
 * `record-state` BuilderError (e.g. `no-space` on a full volume).
 */
export function writeState(stateDir: string, state: BuilderState): Promise<void> {
  return inStep('record-state', () => writeStateFile(stateDir, state), `Could not record the builder state in ${stateDir}`);
}

async function writeStateFile(stateDir: string, state: BuilderState): Promise<void> {
  const file = stateFile(stateDir, state.workspaceFolder);
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
    await rename(temporary, file);
  } catch (error) {
    // A full volume leaves half a temporary file: never a second one per start.
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  if ((await readStateFile(legacyStateFile(stateDir), state.workspaceFolder)) !== 'missing') {
    await unlink(legacyStateFile(stateDir)).catch(() => undefined);
  }
}

/** A valid state of the folder, `undefined` for an unreadable file, 'missing' when there is none for this folder. */
async function readStateFile(file: string, workspaceFolder: string): Promise<BuilderState | undefined | 'missing'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return 'missing';
  }
  try {
    const value = JSON.parse(text) as Partial<BuilderState>;
    if (value.version !== 1 || typeof value.containerId !== 'string' || typeof value.workspaceFolder !== 'string') return undefined;
    if (path.resolve(value.workspaceFolder) !== path.resolve(workspaceFolder)) return 'missing';
    if (value.fingerprint !== undefined && !isStoredFingerprint(value.fingerprint)) {
      // Unreadable fingerprint: like no record, the container is kept.
      const { fingerprint: _dropped, ...rest } = value;
      return withValidRecords(rest as BuilderState);
    }
    return withValidRecords(value as BuilderState);
  } catch {
    return undefined;
  }
}

/** Drops an unreadable `records` (then everything is written again): a wrong one could skip a needed write. */
function withValidRecords(state: BuilderState): BuilderState {
  if (state.records === undefined || isRecordedInContainer(state.records)) return state;
  const { records: _dropped, ...rest } = state;
  return rest;
}

function isRecordedInContainer(value: unknown): value is RecordedInContainer {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  if (typeof r.containerId !== 'string' || (r.info !== undefined && typeof r.info !== 'string')) return false;
  if (r.extensions === undefined) return true;
  const e = r.extensions as Record<string, unknown> | null;
  return typeof e === 'object' && e !== null && typeof e.input === 'string' && Array.isArray(e.list) && e.list.every((x) => typeof x === 'string');
}

/**
 * Record how the background lifecycle run of `containerId` ended, so neither
 * a restarted agent nor the next `up` runs it again; nothing when the state
 * names another container (a newer `up` recorded its own). Never throws: the
 * record only saves a second run.
 */
export async function recordLifecycleRun(stateDir: string, workspaceFolder: string, containerId: string, ran: Omit<NonNullable<LifecycleState['ran']>, 'at'>): Promise<void> {
  const state = await readState(stateDir, workspaceFolder);
  if (!state?.lifecycle || !sameId(state.containerId, containerId)) return;
  const recorded: BuilderState = { ...state, lifecycle: { ...state.lifecycle, ran: { ...ran, at: new Date().toISOString() } } };
  await writeStateFile(stateDir, recorded).catch(() => undefined);
}

/** Docker ids match when one is a prefix of the other (short and full ids). */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.length > 0 && b.length > 0 && (a.startsWith(b) || b.startsWith(a));
}
