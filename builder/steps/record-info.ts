import type { Logger } from '../log/logger.js';
import { execScript, imageOf } from '../docker/client.js';

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

// Values arrive on stdin, one per line, so nothing the user wrote in
// devcontainer.json is ever interpreted by a shell.
const WRITE_SCRIPT = [
  'set -e',
  'mkdir -p "$1"',
  'for f in name image built; do IFS= read -r v || true; printf "%s\\n" "$v" > "$1/$f.tmp" && mv "$1/$f.tmp" "$1/$f"; done',
  'chmod -R a+rX "$1"',
].join('\n');

/**
 * Record the dev container's name, image and build time inside it.
 * Only the Coder UI's metadata depends on this, so a failure is a warning.
 * @returns the image, or `undefined` when nothing could be recorded
 */
export async function recordContainerInfo(options: RecordInfoOptions): Promise<{ image: string } | undefined> {
  const { log, containerId } = options;
  try {
    const image = await imageOf(options, containerId);
    const lines = [options.info.name, image, options.info.built].map(oneLine);
    await execScript(options, containerId, WRITE_SCRIPT, { user: 'root', args: [INFO_DIR], input: `${lines.join('\n')}\n` });
    return { image };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    log.warn(`Could not record the dev container's name, image and build time for the Coder UI: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim() || 'unknown';
}

/** `2026-11-27 10:12 UTC (41.2 s)`: when and how long, as the UI shows it. */
export function describeBuild(at: Date, buildMs: number): string {
  const when = at.toISOString().slice(0, 16).replace('T', ' ');
  return `${when} UTC (${(buildMs / 1000).toFixed(1)} s)`;
}
