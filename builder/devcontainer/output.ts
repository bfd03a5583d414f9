import type { Logger } from '../log/logger.js';
import { cliLevelToCoder } from './levels.js';
import { lifecycleStepOf, parseEventLine, RawLineBuffer } from './events.js';

/** Timings the CLI's `start`/`stop` events reveal. */
export interface CliTimings {
  /** Time spent in `docker build` / `docker buildx build`. */
  readonly buildMs: number;
  /** Time spent creating and starting the container. */
  readonly startMs: number;
  /** Time spent in lifecycle commands (from their progress events, as they arrived). */
  readonly lifecycleMs: number;
}

/**
 * Turns the CLI's `--log-format json` stderr into builder log lines, line by
 * line as it arrives, and remembers what a failure message needs: the
 * lifecycle step that failed, the image build's fate, and the last lines of
 * output.
 */
export class CliOutput {
  private readonly raw = new RawLineBuffer();
  private readonly tail: string[] = [];
  private buildMs = 0;
  private startMs = 0;
  private lifecycleMs = 0;
  private readonly lifecycleStarted = new Map<string, number>();
  private failedLifecycleStep: string | undefined;
  private buildStarted = false;
  private buildFinished = false;

  constructor(
    private readonly log: Logger,
    private readonly tailLimit = 30,
  ) {}

  /** Feed one stderr line of the CLI. */
  stderrLine(line: string): void {
    const event = parseEventLine(line);
    switch (event.type) {
      case 'plain':
        // Stack traces and debug dumps of the CLI's caught errors: the JSON
        // events and the result line already say what matters.
        this.emit('debug', event.text);
        return;
      case 'raw': {
        const level = cliLevelToCoder(event.level);
        // Blank lines around lifecycle banners carry nothing in a log view.
        for (const l of this.raw.push(event.text)) if (stripAnsi(l).trim() !== '') this.emit(level, l);
        return;
      }
      case 'text': {
        this.flushRaw();
        const text = event.text.replace(/(\r?\n)+$/, '');
        // The CLI logs many empty texts around commands; they carry nothing.
        // The version banner opens every run; it tells a failure message nothing.
        if (stripAnsi(text).trim() !== '') this.emit(cliLevelToCoder(event.level), text, !text.startsWith('@devcontainers/cli '));
        return;
      }
      case 'start':
        this.flushRaw();
        if (isBuild(event.text)) this.buildStarted = true;
        this.emit(cliLevelToCoder(event.level), `Start: ${event.text}`, false);
        return;
      case 'stop': {
        this.flushRaw();
        const ms = event.timestamp !== undefined && event.startTimestamp !== undefined ? event.timestamp - event.startTimestamp : 0;
        if (isBuild(event.text)) {
          this.buildMs += ms;
          this.buildFinished = true;
        } else if (event.text === 'Starting container') {
          // `docker run` stays attached to the container, so the CLI's own
          // "Starting container" bracket is what measures the start.
          this.startMs += ms;
        }
        this.emit(cliLevelToCoder(event.level), `Stop (${ms} ms): ${event.text}`, false);
        return;
      }
      case 'progress': {
        this.flushRaw();
        const step = lifecycleStepOf(event.name) ?? event.name;
        if (event.status !== 'running') {
          const began = this.lifecycleStarted.get(step);
          if (began !== undefined) this.lifecycleMs += Math.round(performance.now() - began);
          this.lifecycleStarted.delete(step);
        } else if (!this.lifecycleStarted.has(step)) {
          this.lifecycleStarted.set(step, performance.now());
        }
        if (event.status === 'running') {
          this.emit('info', event.stepDetail ? `${step}: ${event.stepDetail}` : `${step}: running`, false);
        } else if (event.status === 'failed') {
          this.failedLifecycleStep = step;
          this.emit('error', `${step}: failed`, false);
        } else {
          this.emit('info', `${step}: ${event.status}`, false);
        }
        return;
      }
    }
  }

  /** Call when the CLI exited: logs a half-finished raw line. */
  end(): void {
    this.flushRaw();
  }

  /** Durations from `start`/`stop` events. */
  get timings(): CliTimings {
    return { buildMs: this.buildMs, startMs: this.startMs, lifecycleMs: this.lifecycleMs };
  }

  /**
   * The step the failure belongs to, for the error message: a lifecycle
   * command (`postCreateCommand`, …) if one failed, `build` when an image
   * build started but never finished, otherwise `undefined`.
   */
  get failedStep(): string | undefined {
    if (this.failedLifecycleStep) return this.failedLifecycleStep;
    if (this.buildStarted && !this.buildFinished) return 'build';
    return undefined;
  }

  /** The last output lines (blank lines and timing noise left out). */
  get lastLines(): readonly string[] {
    return [...this.tail];
  }

  private flushRaw(): void {
    for (const l of this.raw.flush()) this.emit('info', l);
  }

  private emit(level: ReturnType<typeof cliLevelToCoder>, text: string, keep = true): void {
    this.log.log(level, text);
    // The tail is what a user reads in the failure message: command output
    // and CLI messages, not trace chatter.
    if (!keep || level === 'trace' || level === 'debug') return;
    for (const part of stripAnsi(text).split(/\r?\n/)) {
      if (part.trim() === '') continue;
      this.tail.push(part);
      if (this.tail.length > this.tailLimit) this.tail.shift();
    }
  }
}

function isBuild(text: string): boolean {
  return /^Run: docker (buildx )?build\b/.test(text);
}

// SGR and other CSI sequences (colours, cursor moves) the CLI and commands print.
function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}
