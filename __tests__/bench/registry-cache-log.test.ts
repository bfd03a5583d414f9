// The registry-cache bench reads the image build and the cache pull from the
// builder's log: these are the lines builder/commands/up.ts (summary) and
// builder/steps/pull-cache.ts write, durations as builder/log/logger.ts
// formatDuration formats them.
import { describe, expect, it } from 'vitest';
import { builderLogFacts, parseDuration } from '../../bench/registry-cache.js';
import { formatDuration } from '../../builder/log/logger.js';

describe('registry-cache bench: facts from the builder log', () => {
  it('parses every duration formatDuration writes', () => {
    const cases: [number, number][] = [[0, 0], [97, 0.097], [999, 0.999], [1000, 1], [12_345, 12.3], [59_949, 59.9], [65_000, 65], [3_600_000, 3600]];
    for (const [ms, seconds] of cases) expect(parseDuration(formatDuration(ms)), formatDuration(ms)).toBeCloseTo(seconds, 6);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('takes the build of the last Timing line, sums the cache pulls and counts cache hits', () => {
    const log = [
      '2026-12-02T22:00:00Z INFO Pulling the cache image localhost:5000/bench/cache-0',
      'INFO Pulled the cache image localhost:5000/bench/cache-0 in 24.4 s',
      'INFO Pulled the cache image localhost:5000/other in 600 ms',
      'DEBUG  ---> Using cache',
      'DEBUG  ---> Using cache',
      'INFO Timing: checkout 1.2 s, build 1 min 46 s, start 900 ms, total 2 min 3 s',
    ].join('\n');
    expect(builderLogFacts(log)).toEqual({ buildSeconds: 106, pullSeconds: 25, cacheHits: 2 });
    expect(builderLogFacts('INFO Timing: checkout 1.0 s, build 97 ms')).toEqual({ buildSeconds: 0.097, pullSeconds: undefined, cacheHits: 0 });
    expect(builderLogFacts('no timing here').buildSeconds).toBeUndefined();
  });
});
