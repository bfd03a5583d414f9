import { describe, expect, it } from 'vitest';
import { benchLines, lineTag, tagIndex } from '../../bench/log-lines.js';
import { formatNumber, meets, renderTable, toResult } from '../../bench/report.js';
import { pairRatios, percentile, summarize } from '../../bench/stats.js';

describe('summarize', () => {
  it('gives min, median and max; the median of an even count is the mean of the middle two', () => {
    expect(summarize([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, max: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
  });

  it('ignores samples that are not finite', () => {
    expect(summarize([NaN, 5, Infinity])).toEqual({ n: 1, min: 5, median: 5, max: 5 });
  });

  it('fails when there is no finite sample', () => {
    expect(() => summarize([NaN])).toThrowError('summarize needs at least one finite sample, got [null].');
  });
});

describe('percentile', () => {
  it('takes the nearest rank, an observed sample', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('fails for p outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrowError('percentile needs 0 < p ≤ 100, got 0.');
  });
});

describe('pairRatios', () => {
  it('divides pair by pair', () => {
    expect(pairRatios([2, 3], [1, 2])).toEqual([2, 1.5]);
  });

  it('fails when the pairs are uneven', () => {
    expect(() => pairRatios([1], [1, 2])).toThrowError('pairRatios needs as many A as B samples, got 1 and 2.');
  });
});

describe('targets and the table', () => {
  it('compares the median with a max or min target', () => {
    expect(meets({ kind: 'max', value: 1.1 }, 1.1)).toBe(true);
    expect(meets({ kind: 'max', value: 1.1 }, 1.2)).toBe(false);
    expect(meets({ kind: 'min', value: 50_000 }, 49_999)).toBe(false);
  });

  it('prints a figure without samples as "not measured" with its reason, never a number', () => {
    const table = renderTable({
      date: '2026-01-01T00:00:00.000Z',
      command: 'npm run bench',
      machine: { cores: 2, cpuModel: 'test', memoryGiB: 1, node: 'v20' },
      figures: [
        toResult({ id: 'a', label: 'A', unit: 's', samples: [], notMeasured: 'no buildx', target: { kind: 'max', value: 0.5 } }),
        toResult({ id: 'b', label: 'B', unit: 'ratio', samples: [1.2, 1.0, 1.1], target: { kind: 'max', value: 1.1, goal: 1.03 } }),
      ],
    });
    expect(table).toContain('| A | s | not measured: no buildx | | | | ≤ 0.5 | — |');
    expect(table).toContain('| B | ratio | 1.1 | 1 | 1.2 | 3 | ≤ 1.1 (goal 1.03) | met |');
  });

  it('formats large numbers whole and small ones to three significant digits', () => {
    expect(formatNumber(123456.7)).toBe('123,457');
    expect(formatNumber(0.12345)).toBe('0.123');
  });
});

describe('bench lines', () => {
  it('are deterministic, tagged, and 1 % of them exceed 1024 characters', () => {
    const a = [...benchLines(5_000)];
    expect([...benchLines(5_000)]).toEqual(a);
    expect(a.every((line, i) => tagIndex(line) === i && line.startsWith(lineTag(i)))).toBe(true);
    const long = a.filter((l) => l.length > 1024).length;
    expect(long).toBeGreaterThan(20);
    expect(long).toBeLessThan(100);
  });
});
