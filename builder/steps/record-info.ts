import { createHash } from 'node:crypto';
import type { RecordFile } from '../extensions/recorded.js';
import type { Logger } from '../log/logger.js';
import { execScript, imageOf, type DockerTarget } from '../docker/client.js';

/**
 * Where the dev container's facts are kept inside it, one small file each
 * (`name`, `image`, `built`), for the agent's metadata scripts in the
 * template (constructs/template-stack.ts) to `cat`.
 */
export const INFO_DIR = '/usr/local/share/devcontainer-builder/info';

/** The facts the Coder UI shows next to CPU, memory and disk. */
export interface ContainerInfo {
  /** devcontainer.json's `name`, else the workspace folder's name. */
  readonly name: string;
  /** When the image was built and how long it took, e.g. `2026-11-27 10:12 UTC (41.2 s)`. */
  readonly built: string;
}

/** What `recordContainerInfo` needs. */
export interface RecordInfoOptions {
  readonly log: Logger;
  readonly containerId: string;
  readonly info: ContainerInfo;
  readonly dockerHost?: string;
  readonly signal?: AbortSignal;
}

/**
 * What the last `up` wrote into its dev container (kept in the builder state,
 * builder/commands/state.ts), so an unchanged restart writes nothing. A
 * container keeps its filesystem for its whole life, so what was written into
 * the same container id from the same input is still there.
 */
export interface RecordedInContainer {
  readonly containerId: string;
  /** {@link infoKey} of the name, image and build time written. @default - not written */
  readonly info?: string;
  /** The VS Code record written (builder/steps/install-extensions.ts). @default - not written */
  readonly extensions?: RecordedExtensions;
}

/** The VS Code record as the state keeps it. */
export interface RecordedExtensions {
  /** Hash of everything the merged configuration was resolved from (install-extensions.ts, extensionsInput). */
  readonly input: string;
  /** The install specs it requested, for code-server on a start that does not read the configuration again. */
  readonly list: readonly string[];
}

/** What {@link recordInContainer} needs. */
export interface RecordInContainerOptions extends RecordInfoOptions {
  /** What the last `up` wrote. @default - nothing known: everything is written */
  readonly previous?: RecordedInContainer;
  /**
   * The VS Code record: `files` to write (absent: this input is already in
   * the container), or `undefined` when the configuration could not be read.
   */
  readonly extensions?: RecordedExtensions & { readonly files?: readonly RecordFile[] };
}

/** The info part's key: a change of name or build time rewrites the files (the image follows the container id). */
export function infoKey(info: ContainerInfo): string {
  return `sha256:${createHash('sha256').update(`info 1\0${info.name}\0${info.built}`).digest('hex')}`;
}

/**
 * Record the dev container's name, image and build time and the VS Code
 * record inside it, with one `docker exec` for all files and none when the
 * state says the same container already has them. Only the Coder UI's
 * metadata and the IDEs' extensions depend on this, so a failure is a warning.
 * @returns what the container holds now, for the state
 */
export async function recordInContainer(options: RecordInContainerOptions): Promise<RecordedInContainer> {
  const { log, containerId, previous } = options;
  const same = previous?.containerId === containerId ? previous : undefined;
  const info = infoKey(options.info);
  const writeInfo = same?.info !== info;
  const extensionFiles = options.extensions?.files ?? [];
  const kept: RecordedInContainer = {
    containerId,
    info: writeInfo ? undefined : info,
    // A record of an input that is not current any more is not kept.
    extensions: options.extensions && !options.extensions.files ? { input: options.extensions.input, list: options.extensions.list } : undefined,
  };
  if (!writeInfo && extensionFiles.length === 0) {
    log.debug('Records in the dev container: unchanged since the last start, nothing written.');
    return kept;
  }
  let files: RecordFile[] = [];
  try {
    if (writeInfo) files = infoFiles({ ...options.info, image: await imageOf(options, containerId) });
    await writeRecordFiles(options, containerId, [...files, ...extensionFiles]);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (writeInfo) log.warn(`Could not record the dev container's name, image and build time for the Coder UI: ${reason}`);
    if (extensionFiles.length > 0) log.warn(`VS Code extensions: could not record the list in the dev container: ${reason}. IDEs that start later will not install them.`);
    return { containerId, info: writeInfo ? undefined : info, extensions: extensionFiles.length > 0 ? undefined : kept.extensions };
  }
  return {
    containerId,
    info,
    extensions: options.extensions ? { input: options.extensions.input, list: options.extensions.list } : undefined,
  };
}

/**
 * Record the dev container's name, image and build time inside it, always
 * (the recovery path, builder/commands/recover.ts, has no state to compare with).
 * @returns the image, or `undefined` when nothing could be recorded
 */
export async function recordContainerInfo(options: RecordInfoOptions): Promise<{ image: string } | undefined> {
  const { log, containerId } = options;
  try {
    const image = await imageOf(options, containerId);
    await writeRecordFiles(options, containerId, infoFiles({ ...options.info, image }));
    return { image };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    log.warn(`Could not record the dev container's name, image and build time for the Coder UI: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** The files of {@link INFO_DIR}, each one line. */
export function infoFiles(info: ContainerInfo & { readonly image: string }): RecordFile[] {
  return (['name', 'image', 'built'] as const).map((key) => ({ path: `${INFO_DIR}/${key}`, content: `${oneLine(info[key])}\n` }));
}

// The files arrive on stdin: per file its path, its number of lines, then
// those lines. Nothing read is ever interpreted by the shell (values the user
// wrote in devcontainer.json included); each file is written to a temporary
// name, then renamed, so a reader never sees half a file; files are written
// in the order given (the VS Code record last: its presence means the others
// are complete). A short input fails the script.
export const RECORD_WRITE_SCRIPT = [
  'set -e',
  'umask 022',
  'while IFS= read -r file; do',
  '  IFS= read -r count',
  '  dir=${file%/*}',
  '  mkdir -p "$dir"',
  '  i=0',
  '  while [ "$i" -lt "$count" ]; do IFS= read -r line || exit 3; printf "%s\\n" "$line"; i=$((i + 1)); done > "$file.tmp"',
  '  mv -f "$file.tmp" "$file"',
  '  chmod a+rx "$dir"',
  'done',
].join('\n');

/** The stdin of the write script for `files`. Throws for content it cannot carry (a NUL, no final newline). */
export function encodeRecordFiles(files: readonly RecordFile[]): string {
  return files.map((file) => {
    if (file.content.includes('\0') || file.path.includes('\n')) throw new Error(`${file.path} cannot be recorded: it contains a NUL or newline`);
    if (file.content !== '' && !file.content.endsWith('\n')) throw new Error(`${file.path} cannot be recorded: its content must end with a newline`);
    const lines = file.content === '' ? 0 : file.content.split('\n').length - 1;
    return `${file.path}\n${lines}\n${file.content}`;
  }).join('');
}

/** Write `files` into the container as root with one `docker exec`; throws on failure. */
export async function writeRecordFiles(target: DockerTarget, containerId: string, files: readonly RecordFile[]): Promise<void> {
  if (files.length === 0) return;
  await execScript(target, containerId, RECORD_WRITE_SCRIPT, { user: 'root', input: encodeRecordFiles(files) });
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\0]+/g, ' ').trim() || 'unknown';
}

/** `2026-11-27 10:12 UTC (41.2 s)`: when and how long, as the UI shows it. */
export function describeBuild(at: Date, buildMs: number): string {
  const when = at.toISOString().slice(0, 16).replace('T', ' ');
  return `${when} UTC (${(buildMs / 1000).toFixed(1)} s)`;
}
