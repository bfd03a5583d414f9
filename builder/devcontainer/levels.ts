import type { LogLevel } from '../log/log-line.js';

/**
 * The Dev Containers CLI's numeric log levels, as they appear in the `level`
 * field of `--log-format json` events (devcontainers/cli `src/spec-utils/log.ts`,
 * enum `LogLevel`).
 */
export const CLI_LEVEL = {
  trace: 1,
  debug: 2,
  info: 3,
  warning: 4,
  error: 5,
  critical: 6,
} as const;

/**
 * Map a CLI level to a Coder agent log level. Unknown or missing levels are
 * treated as `info`: better shown than lost. `critical` has no Coder
 * counterpart and becomes `error`.
 */
export function cliLevelToCoder(level: unknown): LogLevel {
  if (typeof level !== 'number' || !Number.isFinite(level)) return 'info';
  if (level <= CLI_LEVEL.trace) return 'trace';
  if (level === CLI_LEVEL.debug) return 'debug';
  if (level === CLI_LEVEL.info) return 'info';
  if (level === CLI_LEVEL.warning) return 'warn';
  return 'error';
}
