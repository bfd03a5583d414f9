import type { BuilderConfig } from '../config.js';
import type { Logger } from '../log/logger.js';

/** What every command receives from `cli.ts`. */
export interface CommandContext {
  readonly config: BuilderConfig;
  readonly log: Logger;
  /**
   * Console only (masked, never streamed to Coder): for the Coder agent's own
   * output, which the agent streams itself.
   * @default - `log`
   */
  readonly consoleLog?: Logger;
  /** Aborted on SIGTERM/SIGINT: commands stop what they run and clean up. */
  readonly signal: AbortSignal;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
}
