import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** A file the dev container is built from, as read from the checkout. */
export interface BuildInputFile {
  /** Path relative to the workspace folder, with `/` separators. */
  readonly path: string;
  readonly content: string | Uint8Array;
}

/**
 * Files and folders a configuration builds from, relative to the workspace
 * folder: the devcontainer.json itself, the Dockerfile, Compose files, and
 * local Features (`./feature` keys, each a folder).
 */
export interface BuildInputs {
  readonly files: readonly string[];
  readonly folders: readonly string[];
}

/**
 * What a configuration (as `devcontainer read-configuration` prints it)
 * builds from. `configFile` is the devcontainer.json path relative to the
 * workspace folder; other paths in the configuration are relative to its
 * folder (devcontainers spec: `build.dockerfile`, `dockerComposeFile`, local
 * Features).
 */
export function buildInputsOf(configuration: Record<string, unknown>, configFile: string): BuildInputs {
  const base = posix.dirname(configFile);
  const rel = (p: string) => posix.normalize(posix.join(base, p));
  const files = new Set<string>([posix.normalize(configFile)]);
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
 * A stable hash of a dev container configuration and the files it builds
 * from. Key order in the configuration and file order do not matter; any
 * change of a value or of a file's bytes does. `configFilePath` is left out:
 * it is where the configuration lives, not what it says.
 */
export function fingerprintOf(configuration: Record<string, unknown>, files: readonly BuildInputFile[]): string {
  const hash = createHash('sha256');
  const { configFilePath: _ignored, ...rest } = configuration;
  hash.update('config\0');
  hash.update(canonicalJson(rest));
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`\0file\0${file.path}\0`);
    hash.update(typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content);
  }
  return `sha256:${hash.digest('hex')}`;
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
