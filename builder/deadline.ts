/**
 * One deadline for a whole command (`up`): every step waits at most
 * `min(its own budget, what is left)`, so the steps together never outlast
 * it, however many there are.
 */
export class Deadline {
  private readonly until: number;

  /** @param totalMs from now */
  constructor(readonly totalMs: number, private readonly now: () => number = () => performance.now()) {
    this.until = now() + totalMs;
  }

  /** Milliseconds left, never below 0. */
  remaining(): number {
    return Math.max(0, Math.round(this.until - this.now()));
  }

  get expired(): boolean {
    return this.remaining() === 0;
  }

  /**
   * A step's timeout: its own budget, cut to what is left (at least 1 ms, so
   * a step that starts after the deadline times out at once rather than never).
   * @param stepMs @default - no budget of its own: what is left
   */
  budget(stepMs: number = Number.POSITIVE_INFINITY): number {
    return Math.max(1, Math.min(stepMs, this.remaining()));
  }
}
