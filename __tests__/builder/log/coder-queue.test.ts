import { describe, expect, it } from 'vitest';
import { BudgetQueue, lossFreeBudget, type LeftOut } from '../../../builder/log/coder-queue.js';

const e = (output: string) => ({ created_at: '2026-11-27T10:00:00.000Z', output, level: 'info' as const });
const marker = (l: LeftOut) => e(`[${l.lines} left out${l.overBudget ? ' budget' : ''}${l.overQueue ? ' queue' : ''}]`);
const drain = (q: BudgetQueue) => q.take(1_000_000).map((x) => x.output);

describe('BudgetQueue', () => {
  it('issue 13.5: output within the loss-free budget arrives whole even when nothing is taken until the end', () => {
    const options = { budgetBytes: 4_096, maxQueueLines: 100 };
    const budget = lossFreeBudget(options);
    expect(budget).toEqual({ bytes: 4_096 - 256, lines: 200 });
    // At the byte bound (19 entries of 200 bytes, one of 40: exactly 3,840) …
    const bytesCase = new BudgetQueue(options);
    const big = Array.from({ length: 19 }, (_, i) => `${String(i).padStart(3, '0')}${'b'.repeat(197)}`);
    for (const t of [...big, 'z'.repeat(40)]) bytesCase.push(e(t));
    bytesCase.release(marker);
    expect(drain(bytesCase)).toEqual([...big, 'z'.repeat(40)]);
    // … and at the line bound (200 lines of 2 bytes), the queue full while Coder does not answer.
    const linesCase = new BudgetQueue(options);
    const short = Array.from({ length: budget.lines }, (_, i) => String(i % 100).padStart(2, '0'));
    for (const t of short) linesCase.push(e(t));
    linesCase.release(marker);
    expect(drain(linesCase)).toEqual(short);
    // One byte or one line more, and the middle goes, said by one marker.
    const over = new BudgetQueue(options);
    for (const t of [...big, 'z'.repeat(41)]) over.push(e(t));
    over.release(marker);
    expect(drain(over).some((o) => o.startsWith('['))).toBe(true);
    const overLines = new BudgetQueue(options);
    for (const t of [...short, 'xx']) overLines.push(e(t));
    overLines.release(marker);
    expect(drain(overLines).some((o) => o.startsWith('['))).toBe(true);
  });

  it('queues in order while within the head share', () => {
    const q = new BudgetQueue({ budgetBytes: 1_000, maxQueueLines: 100 });
    for (const t of ['a', 'b', 'c']) q.push(e(t));
    expect(q.pending).toBe(3);
    expect(drain(q)).toEqual(['a', 'b', 'c']);
    expect(q.usedBytes).toBe(3);
  });

  it('holds the newest lines once the head share is used, and releases them behind one marker', () => {
    // Head: 75 % of 2000 = 1500 bytes; the ring gets what is left minus the marker's reserve.
    const q = new BudgetQueue({ budgetBytes: 2_000, maxQueueLines: 10_000 });
    for (let i = 0; i < 300; i++) q.push(e(`line ${String(i).padStart(3, '0')}`)); // 8 bytes each
    expect(q.budgetLow).toBe(true);
    expect(q.pending).toBe(187); // 187 * 8 = 1496 ≤ 1500 head bytes
    q.release(marker);
    const out = drain(q);
    expect(out[0]).toBe('line 000');
    expect(out.at(-1)).toBe('line 299');
    const m = out.find((o) => o.startsWith('['));
    const left = Number(/\[(\d+) left out budget\]/.exec(m ?? '')?.[1]);
    expect(out.length - 1 + left).toBe(300);
    expect(q.usedBytes).toBeLessThanOrEqual(2_000);
  });

  it('keeps later lines behind held ones, so the order never changes', () => {
    const q = new BudgetQueue({ budgetBytes: 1_000, maxQueueLines: 2 });
    q.push(e('1'));
    q.push(e('2'));
    q.push(e('3')); // queue full: held
    expect(drain(q)).toEqual(['1', '2']);
    q.push(e('4')); // room again, but '3' is held: '4' must wait behind it
    expect(q.pending).toBe(0);
    expect(q.recovered).toBe(true);
    q.release(marker);
    expect(drain(q)).toEqual(['3', '4']);
  });

  it('bounds the held lines and counts what it pushed out while the queue was full', () => {
    const q = new BudgetQueue({ budgetBytes: 100_000, maxQueueLines: 10 });
    for (let i = 0; i < 1_000; i++) q.push(e(`${i}`));
    expect(q.pending).toBe(10);
    expect(q.held).toBe(10);
    drain(q);
    q.release(marker);
    const out = drain(q);
    expect(out[0]).toBe('[980 left out queue]');
    expect(out.slice(1)).toEqual(Array.from({ length: 10 }, (_, i) => `${990 + i}`));
  });

  it('puts a failed batch back in front', () => {
    const q = new BudgetQueue({ budgetBytes: 1_000, maxQueueLines: 100 });
    for (const t of ['a', 'b', 'c']) q.push(e(t));
    const batch = q.take(2);
    q.putBack(batch);
    expect(drain(q)).toEqual(['a', 'b', 'c']);
  });

  it('fails on a budget too small for the marker line', () => {
    expect(() => new BudgetQueue({ budgetBytes: 100, maxQueueLines: 10 })).toThrow('budgetBytes must be more than 256, got 100.');
  });
});
