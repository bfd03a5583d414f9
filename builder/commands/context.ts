import type { BuilderConfig } from '../config.js';
import type { Logger } from '../log/logger.js';

/** What every command receives from `cli.ts`. */
export interface CommandContext {
  readonly config: BuilderConfig;
  readonly log: Logger;
  /** Aborted on SIGTERM/SIGINT: commands stop what they run and clean up. */
  readonly signal: AbortSignal;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
}
