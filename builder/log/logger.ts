import type { LogLevel, LogLine, LogSink } from './log-line.js';

/**
 * The builder's one logger. Every step and every process writes through it;
 * fan-out to sinks and secret masking happen below it, once.
 */
export class Logger {
  constructor(private readonly sink: LogSink) {}

  /** Log text at a level; multi-line text becomes one line each. */
  log(level: LogLevel, text: string): void {
    if (!text.includes('\n')) {
      this.sink.write({ time: new Date(), level, text });
      return;
    }
    for (const part of text.split(/\r?\n/)) {
      this.sink.write({ time: new Date(), level, text: part });
    }
  }

  trace(text: string): void { this.log('trace', text); }
  debug(text: string): void { this.log('debug', text); }
  info(text: string): void { this.log('info', text); }
  warn(text: string): void { this.log('warn', text); }
  error(text: string): void { this.log('error', text); }

  /** Write an already-built line (e.g. one parsed from the Dev Containers CLI). */
  write(line: LogLine): void {
    this.sink.write(line);
  }

  /** Run `fn`, logging its start and its duration; rethrows after logging. */
  async time<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const start = performance.now();
    this.info(`▶ ${label}`);
    try {
      const value = await fn();
      const ms = Math.round(performance.now() - start);
      this.info(`✔ ${label} (${formatDuration(ms)})`);
      return { value, ms };
    } catch (error) {
      const ms = Math.round(performance.now() - start);
      this.error(`✘ ${label} failed after ${formatDuration(ms)}`);
      throw error;
    }
  }

  flush(deadlineMs?: number): Promise<void> {
    return this.sink.flush(deadlineMs);
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
