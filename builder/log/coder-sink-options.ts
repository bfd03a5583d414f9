import type { CoderLogApi, CoderLogSource } from './coder-api.js';
import type { LogLevel } from './log-line.js';

/** Lines queued for Coder at most, by default. */
export const DEFAULT_MAX_QUEUE_LINES = 20_000;

/** Options of {@link CoderSink}. */
export interface CoderSinkOptions {
  readonly api: CoderLogApi;
  /** @default DEV_CONTAINER_LOG_SOURCE */
  readonly source?: CoderLogSource;
  /**
   * Bytes of output this sink sends at most. The agent's startup script and
   * other sources share Coder's 1 MiB, so the builder keeps to half of it.
   * @default 524_288
   */
  readonly budgetBytes?: number;
  /** @default 500 */
  readonly flushIntervalMs?: number;
  /** Lines that make a batch worth sending right away, without waiting for the timer. @default 100 */
  readonly batchLines?: number;
  /**
   * Lines per PATCH, at most: a backlog (Coder slower than the build) goes
   * out in larger requests rather than queueing behind 100-line ones.
   * @default 1000
   */
  readonly maxBatchLines?: number;
  /** UTF-8 bytes of output per PATCH, at most (a single longer line still goes alone). @default 262_144 */
  readonly maxBatchBytes?: number;
  /**
   * Lines queued for Coder, at most, while it does not answer; as many again
   * are held behind them (see `lossFreeBudget` in coder-queue.ts for what is
   * then delivered whole). @default DEFAULT_MAX_QUEUE_LINES
   */
  readonly maxQueueLines?: number;
  /**
   * Receives what the sink has to say about itself (Coder unreachable, limit
   * reached, lines left out). Wire it to the console only: never back here.
   * @default - ignored
   */
  readonly notify?: (level: LogLevel, text: string) => void;
}

/** Counters, for tests and the final summary. */
export interface CoderSinkStats {
  readonly sentLines: number;
  readonly pendingLines: number;
  readonly heldLines: number;
  readonly rejectedLines: number;
  readonly undeliveredLines: number;
  readonly usedBytes: number;
  /** Why sending stopped for good, if it did. */
  readonly stopped: 'limit' | 'unauthorized' | 'rejected' | 'closed' | undefined;
}
