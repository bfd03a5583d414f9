import { HttpCoderLogApi, type CoderRetryOptions } from './coder-api.js';
import { CoderSink } from './coder-sink.js';
import { sanitizeForCoder } from './coder-text.js';
import { ConsoleSink } from './console-sink.js';
import type { LogLevel, LogLine, LogSink } from './log-line.js';
import { Logger } from './logger.js';
import { MaskingSink, createMasker } from './mask.js';

export { CoderApiError, HttpCoderLogApi } from './coder-api.js';
export type { CoderLogApi, CoderLogEntry, CoderLogSource, CoderRetryOptions } from './coder-api.js';
export { CoderSink, DEFAULT_MAX_QUEUE_LINES } from './coder-sink.js';
export type { CoderSinkOptions, CoderSinkStats } from './coder-sink.js';
export { CODER_AGENT_LOG_LIMIT_BYTES, DEV_CONTAINER_LOG_SOURCE } from './coder-source.js';
export { ConsoleSink, formatConsoleLine } from './console-sink.js';
export type { LogLevel, LogLine, LogSink } from './log-line.js';
export { Logger, formatDuration } from './logger.js';
export { MASK, MaskingSink, createMasker } from './mask.js';
export { MemorySink } from './memory-sink.js';

/** Options of {@link createBuilderLog}. */
export interface BuilderLogOptions {
  /**
   * Stream to Coder's agent log API as well.
   * @default - console only (e.g. `run` on a laptop without an agent token)
   */
  readonly coder?: {
    /** `CODER_AGENT_URL` */
    readonly url: string;
    /** `CODER_AGENT_TOKEN`; masked in every line like the other secrets. */
    readonly token: string;
    /** @default - see CoderRetryOptions */
    readonly retry?: CoderRetryOptions;
    /** @default 524_288 (half of Coder's 1 MiB per agent) */
    readonly budgetBytes?: number;
    /** @default 500 */
    readonly flushIntervalMs?: number;
  };
  /** Values that must never appear in a line (GitHub token, …). */
  readonly secrets: readonly string[];
  /** @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /**
   * Lines below this level are dropped everywhere.
   * @default 'debug'
   */
  readonly minLevel?: LogLevel;
}

/** The builder's log, and how to end it. */
export interface BuilderLog {
  readonly log: Logger;
  /** Deliver what is buffered (at most `deadlineMs`), then stop streaming. Never rejects. */
  close(deadlineMs?: number): Promise<void>;
}

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

/**
 * The one place sinks are put together: console (always) and Coder (when
 * configured), behind one level filter, one plain-text step and one mask, so
 * both see the same masked lines.
 */
export function createBuilderLog(options: BuilderLogOptions): BuilderLog {
  const secrets = options.coder === undefined ? options.secrets : [...options.secrets, options.coder.token];
  const mask = createMasker(secrets);
  const consoleSink = new ConsoleSink({ out: options.out });
  const sinks: LogSink[] = [consoleSink];
  let coder: CoderSink | undefined;
  if (options.coder !== undefined) {
    coder = new CoderSink({
      api: new HttpCoderLogApi({ url: options.coder.url, token: options.coder.token, retry: options.coder.retry }),
      budgetBytes: options.coder.budgetBytes,
      flushIntervalMs: options.coder.flushIntervalMs,
      // What the Coder sink says about itself goes to the console only (it may quote Coder's answer).
      notify: (level, text) => consoleSink.write({ time: new Date(), level, text: mask(text) }),
    });
    sinks.push(coder);
  }
  // Plain text first, so a secret split by colour codes is whole when the mask
  // looks for it; then one mask over the fan-out: every sink sees the same text.
  const masked = new MaskingSink(new FanoutSink(sinks), mask);
  const log = new Logger(new LevelFilterSink(new PlainTextSink(masked), options.minLevel ?? 'debug'));
  return {
    log,
    async close(deadlineMs = 10_000) {
      try {
        await coder?.close(deadlineMs);
        await consoleSink.flush(Math.min(deadlineMs, 2_000));
      } catch {
        // Logging never fails the build.
      }
    },
  };
}

/** Writes every line to each sink; one failing sink never stops the others. */
export class FanoutSink implements LogSink {
  constructor(private readonly sinks: readonly LogSink[]) {}

  write(line: LogLine): void {
    for (const sink of this.sinks) {
      try {
        sink.write(line);
      } catch {
        // Sinks must not throw; if one does, the others still get the line.
      }
    }
  }

  async flush(deadlineMs?: number): Promise<void> {
    await Promise.allSettled(this.sinks.map((s) => s.flush(deadlineMs)));
  }
}

/** Turns terminal output into plain text (see `sanitizeForCoder`): no ANSI sequences, no control characters. */
export class PlainTextSink implements LogSink {
  constructor(private readonly inner: LogSink) {}

  write(line: LogLine): void {
    this.inner.write({ ...line, text: sanitizeForCoder(line.text) });
  }

  flush(deadlineMs?: number): Promise<void> {
    return this.inner.flush(deadlineMs);
  }
}

/** Drops lines below a level. */
export class LevelFilterSink implements LogSink {
  private readonly min: number;

  constructor(private readonly inner: LogSink, minLevel: LogLevel) {
    this.min = RANK[minLevel];
  }

  write(line: LogLine): void {
    if ((RANK[line.level] ?? RANK.info) >= this.min) this.inner.write(line);
  }

  flush(deadlineMs?: number): Promise<void> {
    return this.inner.flush(deadlineMs);
  }
}
