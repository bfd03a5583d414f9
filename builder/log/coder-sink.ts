import { CoderApiError, type CoderLogApi, type CoderLogEntry, type CoderLogSource } from './coder-api.js';
import { DEFAULT_MAX_QUEUE_LINES, type CoderSinkOptions, type CoderSinkStats } from './coder-sink-options.js';
import { leftOutEntry, limitReachedEntry } from './coder-messages.js';
import { BudgetQueue } from './coder-queue.js';
import { CODER_AGENT_LOG_LIMIT_BYTES, DEV_CONTAINER_LOG_SOURCE } from './coder-source.js';
import { sanitizeForCoder, splitForCoder, toCoderLevel } from './coder-text.js';
import type { LogLevel, LogLine, LogSink } from './log-line.js';

export { DEFAULT_MAX_QUEUE_LINES } from './coder-sink-options.js';
export type { CoderSinkOptions, CoderSinkStats } from './coder-sink-options.js';

/**
 * Streams log lines to Coder under one log source. `write` only queues;
 * batches go out from a timer, one PATCH at a time. Lines are cleaned and
 * split to fit Coder's columns, and kept within a byte budget (see
 * {@link BudgetQueue}). Failures never reach the caller: they are retried
 * within bounds, and reported through `notify`.
 */
export class CoderSink implements LogSink {
  private readonly api: CoderLogApi;
  private readonly source: CoderLogSource;
  private readonly batchLines: number;
  private readonly maxBatch: { readonly lines: number; readonly bytes: number };
  private readonly notify: (level: LogLevel, text: string) => void;
  private readonly queue: BudgetQueue;
  private readonly lifetime = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private registered = false;
  private busy: Promise<void> | undefined;
  private inFlight = 0;
  private outage: string | undefined;
  private budgetNoticeGiven = false;
  private sentLines = 0;
  private rejectedLines = 0;
  private undeliveredLines = 0;
  private stopped: CoderSinkStats['stopped'];

  constructor(options: CoderSinkOptions) {
    this.api = options.api;
    this.source = options.source ?? DEV_CONTAINER_LOG_SOURCE;
    this.batchLines = options.batchLines ?? 100;
    this.maxBatch = { lines: Math.max(this.batchLines, options.maxBatchLines ?? 1000), bytes: options.maxBatchBytes ?? 256 * 1024 };
    this.notify = options.notify ?? (() => {});
    this.queue = new BudgetQueue({
      budgetBytes: options.budgetBytes ?? CODER_AGENT_LOG_LIMIT_BYTES / 2,
      maxQueueLines: options.maxQueueLines ?? DEFAULT_MAX_QUEUE_LINES,
    });
    this.timer = setInterval(() => this.kick(false), options.flushIntervalMs ?? 500);
    // Pending lines alone must not keep the process alive; close() delivers them.
    this.timer.unref();
  }

  get stats(): CoderSinkStats {
    return {
      sentLines: this.sentLines,
      pendingLines: this.queue.pending,
      heldLines: this.queue.held,
      rejectedLines: this.rejectedLines,
      undeliveredLines: this.undeliveredLines,
      usedBytes: this.queue.usedBytes,
      stopped: this.stopped,
    };
  }

  write(line: LogLine): void {
    if (this.stopped !== undefined) return;
    try {
      const created_at = line.time.toISOString();
      const level = toCoderLevel(line.level);
      for (const output of splitForCoder(sanitizeForCoder(line.text))) this.queue.push({ created_at, output, level });
      if (this.queue.budgetLow && !this.budgetNoticeGiven) {
        this.budgetNoticeGiven = true;
        this.notify('warn', 'Coder log budget is running low: Coder will show the beginning and the end of the output; everything is in the container log (kubectl logs).');
      }
      // A full batch goes out on the next turn of the event loop, never inside write().
      if (this.queue.pending >= this.batchLines) setImmediate(() => this.kick(true));
    } catch {
      // Logging never fails the build; the console has the line.
    }
  }

  /**
   * Send everything buffered, including the held end of noisy output behind
   * one "lines left out" line, waiting at most `deadlineMs`.
   */
  async flush(deadlineMs = 10_000): Promise<void> {
    if (this.stopped !== undefined) return;
    const deadline = AbortSignal.timeout(deadlineMs);
    const expired = new Promise<void>((resolve) => deadline.addEventListener('abort', () => resolve(), { once: true }));
    // Keep the process alive until the deadline (AbortSignal.timeout does not).
    const keepAlive = setTimeout(() => {}, deadlineMs);
    try {
      while (this.busy !== undefined && !deadline.aborted) await Promise.race([this.busy, expired]);
      if (deadline.aborted) return;
      this.queue.release(leftOutEntry);
      await Promise.race([this.exclusive(() => this.drain(deadline)), expired]);
    } finally {
      clearTimeout(keepAlive);
      const left = this.queue.pending + this.queue.held + this.inFlight;
      if (left > 0 && this.stopped === undefined) {
        this.notify('warn', `${left} log lines were not delivered to Coder within ${deadlineMs} ms; they are in the container log.`);
      }
    }
  }

  /** Flush with a deadline, then stop: cancels what is still in flight. */
  async close(deadlineMs = 10_000): Promise<void> {
    try {
      await this.flush(deadlineMs);
    } finally {
      clearInterval(this.timer);
      this.stopped ??= 'closed';
      // Cancel the request still in flight; its batch then counts as undelivered.
      this.lifetime.abort();
      const busy = this.busy;
      if (busy !== undefined) await Promise.race([busy, new Promise((resolve) => setTimeout(resolve, 200))]);
      this.undeliveredLines += this.queue.clear() + (this.busy === undefined ? 0 : this.inFlight);
    }
  }

  /** Start sending unless a send is running; `fullOnly` leaves a partial batch for the timer. */
  private kick(fullOnly = false): void {
    if (this.busy !== undefined || this.stopped !== undefined) return;
    if (this.queue.pending === 0 && !this.queue.recovered) return;
    void this.exclusive(() => this.drain(undefined, fullOnly ? this.batchLines : 1));
  }

  /** Runs `task` as the only sender: at most one request to Coder is in flight. */
  private exclusive(task: () => Promise<void>): Promise<void> {
    const run: Promise<void> = (async () => {
      try {
        await task();
      } catch {
        // drain() handles its errors; this only guards the promise chain.
      }
    })().finally(() => {
      if (this.busy === run) this.busy = undefined;
    });
    this.busy = run;
    return run;
  }

  /** Send batches while at least `minLines` are queued, until sending stops or a call fails. */
  private async drain(deadline?: AbortSignal, minLines = 1): Promise<void> {
    const signal = deadline === undefined ? this.lifetime.signal : AbortSignal.any([this.lifetime.signal, deadline]);
    while (this.stopped === undefined && !signal.aborted) {
      if (this.queue.recovered) this.queue.release(leftOutEntry);
      if (this.queue.pending < minLines || this.queue.pending === 0) return;
      const batch = this.queue.take(this.maxBatch.lines, this.maxBatch.bytes);
      this.inFlight = batch.length;
      try {
        if (!this.registered) {
          await this.api.postLogSource(this.source, signal);
          this.registered = true;
        }
        await this.api.patchLogs(this.source.id, batch, signal);
        this.sentLines += batch.length;
        if (this.outage !== undefined) {
          this.outage = undefined;
          this.notify('info', 'Coder log streaming works again.');
        }
      } catch (error) {
        const goOn = this.handleFailure(error, batch);
        if (this.stopped === 'limit') await this.sayLimitReached(signal);
        if (!goOn) return;
      } finally {
        this.inFlight = 0;
      }
    }
  }

  /** Returns whether draining may go on with the next batch. */
  private handleFailure(error: unknown, batch: CoderLogEntry[]): boolean {
    const kind = error instanceof CoderApiError ? error.kind : 'cancelled';
    const reason = error instanceof Error ? error.message : String(error);
    switch (kind) {
      case 'limit':
        // The 1 MiB is for the agent's whole life and shared with its other sources
        // (the startup script): stop rather than spend what is left of it.
        this.stop('limit', batch.length);
        this.notify('warn', "Coder's log limit for this workspace agent is used up: further output is only in the container log (kubectl logs).");
        return false;
      case 'unauthorized':
        this.stop('unauthorized', batch.length);
        this.notify('warn', `Coder did not accept the agent token for the whole retry window (${reason}): log streaming is off; output stays in the container log.`);
        return false;
      case 'rejected':
        if (!this.registered) {
          // Without a log source no PATCH can succeed (e.g. a Coder too old for log sources).
          this.stop('rejected', batch.length);
          this.notify('warn', `Coder refused the log source: ${reason}; log streaming is off.`);
          return false;
        }
        this.rejectedLines += batch.length;
        this.notify('warn', `Coder rejected ${batch.length} log lines: ${reason}`);
        return true;
      default:
        // Server or network trouble after bounded retries, or a deadline: keep the lines for the next try.
        this.queue.putBack(batch);
        if (kind !== 'cancelled' && this.outage === undefined) {
          this.outage = reason;
          this.notify('warn', `Coder log streaming is failing (${reason}); lines are kept and sent when Coder answers.`);
        }
        return false;
    }
  }

  /**
   * One short line so the Coder UI says why the log ends. coderd refuses only
   * a batch that does not fit, so a single short line usually still does;
   * if not, it is simply lost (the console has the notice).
   */
  private async sayLimitReached(signal: AbortSignal): Promise<void> {
    try {
      await this.api.patchLogs(this.source.id, [limitReachedEntry()], signal);
    } catch {
      // Best effort by design.
    }
  }

  private stop(why: 'limit' | 'unauthorized' | 'rejected', inFlight: number): void {
    this.stopped = why;
    this.undeliveredLines += inFlight + this.queue.clear();
    clearInterval(this.timer);
  }
}
