/** Severity of one log line; the names are Coder's agent log levels. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** One line of builder output, as every sink receives it. */
export interface LogLine {
  readonly time: Date;
  readonly level: LogLevel;
  /** A single line of text: no newline, not yet masked (sinks are wrapped by the mask). */
  readonly text: string;
}

/**
 * Where log lines go: stdout, Coder's agent log API, memory (tests).
 * `write` must never throw or block: logging never fails the build.
 */
export interface LogSink {
  write(line: LogLine): void;
  /**
   * Deliver what is buffered, giving up after `deadlineMs` milliseconds from
   * now (each sink has its own default). Never rejects.
   */
  flush(deadlineMs?: number): Promise<void>;
}
