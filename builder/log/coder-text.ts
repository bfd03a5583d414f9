import type { LogLevel } from './log-line.js';

/**
 * Coder stores each output as `VARCHAR(1024)` (coder/coder
 * `coderd/database/queries/workspaceagents.sql`, `InsertWorkspaceAgentLogs`:
 * `unnest(@output :: VARCHAR(1024) [ ])`). PostgreSQL silently truncates an
 * explicit cast to that many characters (code points), so longer lines are
 * split here instead of losing their end.
 */
export const CODER_MAX_OUTPUT_CHARS = 1024;

// ESC [ params intermediates final — colours, cursor moves (ECMA-48 CSI);
// ESC ] … BEL or ESC \ — window titles, hyperlinks (OSC); ESC P/X/^/_ … ESC \
// (DCS, SOS, PM, APC); two-byte ESC sequences; 8-bit CSI (0x9b).
const ANSI = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*[@-~]',
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)?',
    '\\u001b[PX^_][^\\u001b]*(?:\\u001b\\\\)?',
    '\\u001b[ -/]*[0-~]',
    '\\u009b[0-?]*[ -/]*[@-~]',
  ].join('|'),
  'g',
);

// C0 and C1 controls except TAB; NUL in particular is rejected by PostgreSQL text.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

// Everything the passes below act on: ESC, CR and the other controls, 8-bit CSI, any surrogate.
const NEEDS_WORK = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\uD800-\uDFFF]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * What a terminal would show of one line, as plain text: ANSI sequences
 * removed, carriage-return overwrites (progress bars) reduced to the last
 * frame, other control characters removed, lone surrogates replaced by U+FFFD.
 */
export function sanitizeForCoder(text: string): string {
  // Most lines hold none of it: one scan instead of four passes (every line
  // goes through here, and a burst is CPU-bound on the per-line cost).
  if (!NEEDS_WORK.test(text)) return text;
  let out = text.replace(ANSI, '');
  const cr = out.lastIndexOf('\r', out.length - 2);
  if (cr !== -1) out = out.slice(cr + 1);
  out = out.replace(CONTROL, '');
  // Lone UTF-16 surrogates cannot be encoded as UTF-8: make the replacement explicit.
  return out.replace(LONE_SURROGATE, '\uFFFD');
}

/** Split a line into pieces of at most `maxChars` code points, never halving a surrogate pair. */
export function splitForCoder(text: string, maxChars = CODER_MAX_OUTPUT_CHARS): string[] {
  // UTF-16 length ≥ code points, so a short string needs no work.
  if (text.length <= maxChars) return [text];
  const points = Array.from(text);
  if (points.length <= maxChars) return [text];
  const pieces: string[] = [];
  for (let i = 0; i < points.length; i += maxChars) pieces.push(points.slice(i, i + maxChars).join(''));
  return pieces;
}

/**
 * Bytes a line costs against Coder's limit. coder/coder
 * `patchWorkspaceAgentLogs` adds Go's `len(output)` — UTF-8 bytes of the
 * output only, not of the timestamp or level — to `logs_length`, which a
 * CHECK constraint keeps ≤ 1048576 (migration `max_logs_length`).
 */
export function coderBytes(output: string): number {
  return Buffer.byteLength(output, 'utf8');
}

const LEVELS: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'error',
  critical: 'error',
  // The Dev Containers CLI's numeric `LogLevel` (src/spec-utils/log.ts): Trace=1 … Critical=6.
  '1': 'trace',
  '2': 'debug',
  '3': 'info',
  '4': 'warn',
  '5': 'error',
  '6': 'error',
};

/**
 * A level Coder accepts (its `log_level` enum: trace, debug, info, warn,
 * error). Anything else would make Coder answer 400 for the whole batch, so
 * unknown levels become `info`.
 */
export function toCoderLevel(level: string | number): LogLevel {
  return LEVELS[String(level).toLowerCase()] ?? 'info';
}
