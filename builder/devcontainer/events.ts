/**
 * One event of the Dev Containers CLI's `--log-format json` stderr stream: one
 * JSON object per line (devcontainers/cli `src/spec-utils/log.ts`, `LogEvent`).
 * `raw` events carry output chunks of child processes (not whole lines);
 * `text` events carry whole messages; `start`/`stop` bracket timed operations
 * (`stop` has `startTimestamp`); `progress` reports lifecycle steps.
 */
export type CliEvent =
  | { readonly type: 'text' | 'raw' | 'start'; readonly level?: number; readonly timestamp?: number; readonly text: string }
  | { readonly type: 'stop'; readonly level?: number; readonly timestamp?: number; readonly text: string; readonly startTimestamp?: number }
  | { readonly type: 'progress'; readonly name: string; readonly status: string; readonly stepDetail?: string }
  /** A stderr line that is not a JSON event (stack traces, warnings of Node). */
  | { readonly type: 'plain'; readonly text: string };

/**
 * Parse one stderr line of the CLI. Never throws: anything that is not a
 * recognisable JSON event comes back as a `plain` event with the line as text,
 * so no output is lost.
 */
export function parseEventLine(line: string): CliEvent {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return { type: 'plain', text: line };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { type: 'plain', text: line };
  }
  if (typeof value !== 'object' || value === null) return { type: 'plain', text: line };
  const event = value as Record<string, unknown>;
  const level = typeof event.level === 'number' ? event.level : undefined;
  const timestamp = typeof event.timestamp === 'number' ? event.timestamp : undefined;
  switch (event.type) {
    case 'text':
    case 'raw':
    case 'start':
      if (typeof event.text !== 'string') break;
      return { type: event.type, level, timestamp, text: event.text };
    case 'stop':
      if (typeof event.text !== 'string') break;
      return {
        type: 'stop',
        level,
        timestamp,
        text: event.text,
        startTimestamp: typeof event.startTimestamp === 'number' ? event.startTimestamp : undefined,
      };
    case 'progress':
      if (typeof event.name !== 'string' || typeof event.status !== 'string') break;
      return {
        type: 'progress',
        name: event.name,
        status: event.status,
        stepDetail: typeof event.stepDetail === 'string' ? event.stepDetail : undefined,
      };
  }
  return { type: 'plain', text: line };
}

/**
 * Reassembles lines from `raw` chunks. A chunk may hold several lines or end
 * mid-line; a lone `\r` (a terminal redrawing the line, e.g. a progress bar)
 * keeps only what follows it, as a terminal would show.
 */
export class RawLineBuffer {
  private pending = '';

  /** Add a chunk; returns the lines it completed. */
  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split(/\r?\n/);
    this.pending = parts.pop() ?? '';
    return parts.map(lastRedraw);
  }

  /** The unfinished last line, if any; empties the buffer. */
  flush(): string[] {
    const rest = lastRedraw(this.pending);
    this.pending = '';
    return rest.length > 0 ? [rest] : [];
  }
}

function lastRedraw(raw: string): string {
  // A carriage return right before the line end redraws nothing.
  const line = raw.replace(/\r+$/, '');
  const at = line.lastIndexOf('\r');
  return at < 0 ? line : line.slice(at + 1);
}

/**
 * The lifecycle command a progress name refers to: the CLI names lifecycle
 * progress `Running postCreateCommand...`.
 */
export function lifecycleStepOf(progressName: string): string | undefined {
  const match = /^Running (\w+Command)\.\.\.$/.exec(progressName);
  return match?.[1];
}
