import type { LogLevel, LogLine, LogSink } from './log-line.js';

/** Options of {@link ConsoleSink}. */
export interface ConsoleSinkOptions {
  /**
   * Where lines go.
   * @default process.stdout - what `kubectl logs` shows for the container
   */
  readonly out?: NodeJS.WritableStream;
}

const LABELS: Record<LogLevel, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
};

/**
 * Plain-text lines on stdout, one per log line: `<ISO time> <LEVEL> <text>`.
 * Everything the builder logs lands here, also what Coder never receives.
 */
export class ConsoleSink implements LogSink {
  private readonly out: NodeJS.WritableStream;

  constructor(options: ConsoleSinkOptions = {}) {
    this.out = options.out ?? process.stdout;
    watch(this.out);
  }

  private get broken(): boolean {
    return BROKEN.get(this.out) === true;
  }

  write(line: LogLine): void {
    if (this.broken) return;
    try {
      this.out.write(formatConsoleLine(line));
    } catch {
      BROKEN.set(this.out, true);
    }
  }

  /** Resolves once the stream has taken everything (or at the deadline). */
  async flush(deadlineMs = 2_000): Promise<void> {
    const out = this.out as NodeJS.WritableStream & { writableNeedDrain?: boolean };
    if (this.broken || out.writableNeedDrain !== true) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, deadlineMs);
      function done() {
        clearTimeout(timer);
        out.off('drain', done);
        resolve();
      }
      out.once('drain', done);
    });
  }
}

// One error listener per stream, however many sinks write to it (tests create
// many; a listener each would trip Node's MaxListeners warning on stdout).
const BROKEN = new WeakMap<NodeJS.WritableStream, boolean>();

function watch(out: NodeJS.WritableStream): void {
  if (BROKEN.has(out)) return;
  BROKEN.set(out, false);
  // A closed stdout (EPIPE) must not crash the builder: stop writing instead.
  out.on('error', () => BROKEN.set(out, true));
}

/** One console line, newline included. */
export function formatConsoleLine(line: LogLine): string {
  return `${line.time.toISOString()} ${LABELS[line.level]} ${line.text}\n`;
}
