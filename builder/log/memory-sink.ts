import type { LogLine, LogSink } from './log-line.js';

/** Keeps every line in memory: for tests, and for "last lines" in error messages. */
export class MemorySink implements LogSink {
  readonly lines: LogLine[] = [];

  write(line: LogLine): void {
    this.lines.push(line);
  }

  async flush(): Promise<void> {}

  /** The texts, in order. */
  get texts(): string[] {
    return this.lines.map((l) => l.text);
  }
}
