import type { CoderLogEntry } from './coder-api.js';
import { coderBytes } from './coder-text.js';

/** Options of {@link BudgetQueue}. */
export interface BudgetQueueOptions {
  /** Bytes of output this source may send to Coder in total. */
  readonly budgetBytes: number;
  /**
   * Share of the budget filled in order, from the start; the rest keeps the
   * newest lines (the end of the output, where errors are).
   * @default 0.75
   */
  readonly headShare?: number;
  /** Lines waiting to be sent, at most; beyond this the newest are held like over-budget ones. */
  readonly maxQueueLines: number;
}

/** Why lines were left out, for the one line that says so. */
export interface LeftOut {
  readonly lines: number;
  readonly overBudget: boolean;
  readonly overQueue: boolean;
}

/** Bytes kept free for the "lines left out" line itself. */
export const MARKER_RESERVE_BYTES = 256;

/**
 * The budget below which nothing is lost: output of at most `bytes` (Coder's
 * count: UTF-8 bytes of the outputs after splitting) in at most `lines`
 * entries is delivered whole, in order, each entry once, however fast it is
 * written and however slowly Coder acknowledges (within the flush deadline).
 * Beyond either bound the queue keeps the beginning and the end and puts one
 * "lines left out" line between them. `lines` is the queue plus the ring, each
 * `maxQueueLines`: both fill only while Coder has acknowledged nothing.
 */
export function lossFreeBudget(options: Pick<BudgetQueueOptions, 'budgetBytes' | 'maxQueueLines'>): { bytes: number; lines: number } {
  return { bytes: options.budgetBytes - MARKER_RESERVE_BYTES, lines: 2 * options.maxQueueLines };
}

/**
 * The lines bound for Coder, kept inside a byte budget and a line bound.
 *
 * Lines are queued in order until the head share of the budget is used (or
 * the queue is full because Coder does not answer). Later lines go to a
 * ring that keeps the newest ones within what is left of the budget; lines
 * pushed out of the ring are counted. {@link release} turns the count into one
 * line and queues it with the ring, so Coder shows beginning, gap, and end.
 */
export class BudgetQueue {
  private queue: CoderLogEntry[] = [];
  // The ring is an array read from `ringStart`, compacted now and then:
  // shift() on a long array copies it, once per line of noisy output.
  private ring: CoderLogEntry[] = [];
  private ringStart = 0;
  private ringBytes = 0;
  private committedBytes = 0;
  private leftOut = 0;
  private overBudget = false;
  private overQueue = false;
  private readonly headBytes: number;

  constructor(private readonly options: BudgetQueueOptions) {
    const share = options.headShare ?? 0.75;
    if (!(share > 0 && share <= 1)) throw new TypeError(`headShare must be in (0, 1], got ${String(share)}.`);
    if (!(options.budgetBytes > MARKER_RESERVE_BYTES)) {
      throw new TypeError(`budgetBytes must be more than ${MARKER_RESERVE_BYTES}, got ${String(options.budgetBytes)}.`);
    }
    this.headBytes = Math.floor(options.budgetBytes * share);
  }

  /** Lines queued for sending. */
  get pending(): number {
    return this.queue.length;
  }

  /** Lines held in the ring, not yet queued. */
  get held(): number {
    return this.ring.length - this.ringStart;
  }

  /** Bytes queued or sent so far (what Coder has been or will be asked to store). */
  get usedBytes(): number {
    return this.committedBytes;
  }

  /** Whether the head share of the budget is used up. */
  get budgetLow(): boolean {
    return this.overBudget;
  }

  push(entry: CoderLogEntry): void {
    const bytes = coderBytes(entry.output);
    const fitsHead = this.committedBytes + bytes <= this.headBytes;
    const queueRoom = this.queue.length < this.options.maxQueueLines;
    // Once lines are held, later ones must queue behind them to keep the order.
    if (this.held === 0 && fitsHead && queueRoom) {
      this.queue.push(entry);
      this.committedBytes += bytes;
      return;
    }
    if (!fitsHead) this.overBudget = true;
    if (!queueRoom) this.overQueue = true;
    this.ring.push(entry);
    this.ringBytes += bytes;
    const capacity = Math.max(0, this.options.budgetBytes - this.committedBytes - MARKER_RESERVE_BYTES);
    while (this.held > 0 && (this.ringBytes > capacity || this.held > this.options.maxQueueLines)) {
      const dropped = this.ring[this.ringStart] as CoderLogEntry;
      this.ringStart += 1;
      this.ringBytes -= coderBytes(dropped.output);
      this.leftOut += 1;
    }
    if (this.ringStart > 1024 && this.ringStart * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.ringStart);
      this.ringStart = 0;
    }
  }

  /**
   * Queue the "left out" line (built by `describe`) and the held lines. Called
   * when the output should be complete in Coder: at flush, and once a backlog
   * caused only by an unreachable Coder has drained.
   */
  release(describe: (leftOut: LeftOut) => CoderLogEntry): void {
    if (this.leftOut > 0) {
      const marker = describe({ lines: this.leftOut, overBudget: this.overBudget, overQueue: this.overQueue });
      this.queue.push(marker);
      this.committedBytes += coderBytes(marker.output);
    }
    for (let i = this.ringStart; i < this.ring.length; i++) this.queue.push(this.ring[i] as CoderLogEntry);
    this.committedBytes += this.ringBytes;
    this.ring = [];
    this.ringStart = 0;
    this.ringBytes = 0;
    this.leftOut = 0;
    this.overQueue = false;
  }

  /** Whether held lines wait only because the queue was full, and it is empty now. */
  get recovered(): boolean {
    return this.held > 0 && this.queue.length === 0 && !this.overBudget;
  }

  /** Take up to `count` lines, and up to `maxBytes` of output (at least one line), from the front, to send. */
  take(count: number, maxBytes = Number.POSITIVE_INFINITY): CoderLogEntry[] {
    let lines = 0;
    let bytes = 0;
    while (lines < count && lines < this.queue.length) {
      bytes += Buffer.byteLength(this.queue[lines]!.output);
      if (lines > 0 && bytes > maxBytes) break;
      lines += 1;
    }
    return this.queue.splice(0, lines);
  }

  /** Put lines whose sending failed back at the front, in order. */
  putBack(entries: readonly CoderLogEntry[]): void {
    this.queue.unshift(...entries);
  }

  /** Forget everything queued and held; returns how many lines that was. */
  clear(): number {
    const lines = this.queue.length + this.held + this.leftOut;
    this.queue = [];
    this.ring = [];
    this.ringStart = 0;
    this.ringBytes = 0;
    this.leftOut = 0;
    return lines;
  }
}
