import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { containerPartOf, effectOf } from './properties.js';

/** A file the dev container is built from, as read from the checkout. */
export interface BuildInputFile {
  /** Path relative to the workspace folder, with `/` separators. */
  readonly path: string;
  readonly content: string | Uint8Array;
}

/**
 * Files and folders a configuration builds from, relative to the workspace
 * folder: the Dockerfile, Compose files and local Features (`./feature`
 * keys, each a folder). Not devcontainer.json itself (its parsed values
 * count, not its comments or layout), not the rest of `build.context` (often
 * the whole repository: every commit would recreate), and not the Features
 * lockfile (the CLI itself writes it during a build: devcontainers/cli
 * src/spec-configuration/lockfile.ts `writeLockfile`).
 */
export interface BuildInputs {
  readonly files: readonly string[];
  readonly folders: readonly string[];
}

/** The current fingerprint format; see {@link decideRecreate} for older ones. */
export const FINGERPRINT_FORMAT = 2;

/** What a dev container was made from, in two parts that need different actions when they change. */
export interface Fingerprints {
  readonly format: typeof FINGERPRINT_FORMAT;
  /** Image, build inputs and creation settings: a change recreates the container. */
  readonly container: string;
  /** Lifecycle commands (recorded in the container at creation): a change takes effect with `rebuild`. */
  readonly lifecycle: string;
}

/**
 * A fingerprint as a state file holds it: {@link Fingerprints}, or (format 1,
 * builders before it) one `sha256:` string over the configuration as
 * `devcontainer read-configuration` resolved it.
 */
export type StoredFingerprint = Fingerprints | string;

/**
 * What a configuration builds from. `configFile` is the devcontainer.json
 * path relative to the workspace folder; other paths in the configuration
 * are relative to its folder (devcontainers spec: `build.dockerfile`,
 * `dockerComposeFile`, local Features).
 */
export function buildInputsOf(configuration: Readonly<Record<string, unknown>>, configFile: string): BuildInputs {
  const base = posix.dirname(configFile);
  const rel = (p: string) => posix.normalize(posix.join(base, p));
  const files = new Set<string>();
  const folders = new Set<string>();

  const build = configuration.build;
  const dockerfile = (isRecord(build) && typeof build.dockerfile === 'string' ? build.dockerfile : undefined)
    ?? (typeof configuration.dockerFile === 'string' ? configuration.dockerFile : undefined);
  if (dockerfile) files.add(rel(dockerfile));

  const compose = configuration.dockerComposeFile;
  for (const file of typeof compose === 'string' ? [compose] : Array.isArray(compose) ? compose : []) {
    if (typeof file === 'string') files.add(rel(file));
  }

  if (isRecord(configuration.features)) {
    for (const id of Object.keys(configuration.features)) {
      if (id.startsWith('./') || id.startsWith('../')) folders.add(rel(id));
    }
  }
  return { files: [...files].sort(), folders: [...folders].sort() };
}

/**
 * The two fingerprints of a parsed devcontainer.json and its build files.
 * Only values count (never comments, layout or key order), each property in
 * the part {@link effectOf} gives it; `${…}` variables are hashed as
 * written, so they are the same in every pod and on every restart.
 */
export function fingerprintsOf(configuration: Readonly<Record<string, unknown>>, files: readonly BuildInputFile[]): Fingerprints {
  const container: Record<string, unknown> = {};
  const lifecycle: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(configuration)) {
    const effect = effectOf(key);
    if (effect === 'container') container[key] = containerPartOf(key, value);
    else if (effect === 'lifecycle') lifecycle[key] = value;
  }
  const containerHash = createHash('sha256');
  containerHash.update(`format ${FINGERPRINT_FORMAT}\0config\0${canonicalJson(container)}`);
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    containerHash.update(`\0file\0${file.path}\0${byteLength(file.content)}\0`);
    containerHash.update(typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content);
  }
  const lifecycleHash = createHash('sha256').update(`format ${FINGERPRINT_FORMAT}\0lifecycle\0${canonicalJson(lifecycle)}`);
  return {
    format: FINGERPRINT_FORMAT,
    container: `sha256:${containerHash.digest('hex')}`,
    lifecycle: `sha256:${lifecycleHash.digest('hex')}`,
  };
}

/** What {@link decideRecreate} decided. */
export interface RecreateDecision {
  /** Pass `--remove-existing-container`. */
  readonly recreate: boolean;
  /**
   * What to record for the container that will run: what it is really made
   * from. @default - unknown (devcontainer.json unreadable): record none, so the next start keeps the container
   */
  readonly record?: Fingerprints;
  /** Log lines that explain the decision. */
  readonly messages: readonly { readonly level: 'info' | 'warn'; readonly text: string }[];
}

const LIFECYCLE_KEYS = 'onCreateCommand, updateContentCommand, postCreateCommand, postStartCommand, postAttachCommand or waitFor';

/**
 * Whether the dev container must be recreated for the current configuration.
 * When in doubt it is kept: recreating discards everything in the container
 * outside the workspace folder (the home directory, installed tools).
 */
export function decideRecreate(input: {
  previous?: StoredFingerprint;
  /** @default - devcontainer.json could not be read: see `problem` */
  current?: Fingerprints;
  /** Why there is no current fingerprint (a syntax error, with file, line and column). */
  problem?: string;
  rebuild: boolean;
}): RecreateDecision {
  const { previous, current } = input;
  if (input.rebuild) return { recreate: true, record: current, messages: [{ level: 'info', text: 'DEVCONTAINER_REBUILD is set: the dev container is recreated.' }] };
  if (current === undefined) {
    return {
      recreate: false,
      record: typeof previous === 'object' ? previous : undefined,
      messages: [{
        level: 'warn',
        text: `${input.problem ?? 'devcontainer.json could not be read.'} `
          + 'Whether the dev container must change cannot be told, so the existing dev container is kept; the Dev Containers CLI reads the file leniently and may still start it.',
      }],
    };
  }
  // No state: nothing is known about the container (if there is one), so keep it.
  if (previous === undefined) return { recreate: false, record: current, messages: [] };
  if (typeof previous === 'string' || previous.format !== FINGERPRINT_FORMAT) {
    return {
      recreate: false,
      record: current,
      messages: [{
        level: 'info',
        text: `The recorded fingerprint of the dev container configuration has ${typeof previous === 'string' || previous.format < FINGERPRINT_FORMAT ? 'an older format (the builder was upgraded)' : 'a newer format (the builder was downgraded)'}: `
          + 'the existing dev container is kept and the current configuration\'s fingerprint recorded. '
          + 'If you changed .devcontainer/ since the container was created, restart with the rebuild parameter.',
      }],
    };
  }
  if (previous.container !== current.container) {
    return {
      recreate: true,
      record: current,
      messages: [{ level: 'info', text: 'The dev container configuration changed since the last build: the dev container is recreated.' }],
    };
  }
  if (previous.lifecycle !== current.lifecycle) {
    return {
      recreate: false,
      // The container still runs the commands it was created with: keep saying so until it is rebuilt.
      record: { ...current, lifecycle: previous.lifecycle },
      messages: [{
        level: 'warn',
        text: `A lifecycle command in devcontainer.json (${LIFECYCLE_KEYS}) changed since the dev container was created. `
          + 'The dev container is kept (with your files outside the workspace folder); the container runs the commands it was created with, '
          + 'so the change takes effect when you restart the workspace with the rebuild parameter.',
      }],
    };
  }
  return { recreate: false, record: current, messages: [] };
}

/** Whether a value read from a state file is a {@link StoredFingerprint}. */
export function isStoredFingerprint(value: unknown): value is StoredFingerprint {
  if (typeof value === 'string') return true;
  return isRecord(value) && typeof value.format === 'number' && typeof value.container === 'string' && typeof value.lifecycle === 'string';
}

/** JSON with object keys sorted at every depth, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function byteLength(content: string | Uint8Array): number {
  return typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.byteLength;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
