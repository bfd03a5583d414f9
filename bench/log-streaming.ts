// Bench 4 of issue 5: 200,000 lines through the builder's Coder log client
// against the fake Coder on loopback. The streamer runs in a child process
// (its RSS is its own); the fake Coder, in this process, records every request
// with the time it answered, so write → acknowledged latency is measured per
// line from the child's write times (both sides read the same wall clock).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeCoder } from '../__tests__/support/fake-coder.js';
import { DEV_CONTAINER_LOG_SOURCE } from '../builder/log/index.js';
import { splitForCoder } from '../builder/log/coder-text.js';
import { runChild } from './child.js';
import type { ChildReport } from './log-streaming-child.js';
import { benchLines, tagIndex } from './log-lines.js';
import type { Figure } from './report.js';
import { percentile } from './stats.js';

const repoRoot = resolve(import.meta.dirname, '..');

/** Options of {@link benchLogStreaming}. */
export interface LogStreamingOptions {
  /** @default 200_000 */
  readonly lines?: number;
  /** @default 3 */
  readonly runs?: number;
  readonly log: (line: string) => void;
}

interface RunResult {
  readonly linesPerSecond: number;
  readonly writtenPerSecond: number;
  readonly peakRssMiB: number;
  readonly rssGrowthMiB: number;
  readonly batches: number;
  readonly failedRequests: number;
  readonly expected: number;
  readonly delivered: number;
  /** Expected entries that never arrived (in-order match). */
  readonly missing: number;
  /** Stored entries that match no expected one (changed or duplicated). */
  readonly extra: number;
  readonly childCpuMs: number;
  readonly coderCpuMs: number;
  readonly totalMs: number;
  readonly peakHeapUsedMiB: number;
  /** Wall time per acknowledged batch: with one request in flight, the ceiling is batch size / this. */
  readonly msPerBatch: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The entries Coder should hold after the sink split the lines (no line is over budget). */
function expectedOutputs(count: number): string[] {
  const out: string[] = [];
  for (const line of benchLines(count)) out.push(...splitForCoder(line));
  return out;
}

/**
 * Compiles the child and the builder's log modules with tsc, as the builder
 * image runs them (plain node on compiled JavaScript): under tsx the process
 * would start ~50 MiB larger, all of it the loader's.
 */
async function compileChild(log: (line: string) => void): Promise<string> {
  const outDir = join(repoRoot, '.cache', 'bench-js');
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '--outDir', outDir, '--rootDir', repoRoot, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
    '--lib', 'ES2023', '--types', 'node', '--strict', '--skipLibCheck', join(repoRoot, 'bench', 'log-streaming-child.ts')];
  const r = await runChild(process.execPath, args, { cwd: repoRoot, timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw new Error(`tsc of the log-streaming child failed: ${r.stdout}${r.stderr}`);
  log(`log streaming: child compiled in ${Math.round(r.ms)} ms`);
  return join(outDir, 'bench', 'log-streaming-child.js');
}

async function oneRun(childJs: string, count: number, rate: number, batchLines: number, expected: readonly string[], log: (line: string) => void): Promise<RunResult> {
  // Limit far above the output, so the budget never cuts and delivery can be exact.
  const coder = await startFakeCoder({ limitBytes: 2 ** 31 });
  const dir = await mkdtemp(join(tmpdir(), 'bench-log-'));
  try {
    const timesFile = join(dir, 'write-times.f64');
    const cpuBefore = process.cpuUsage();
    const child = await runChild(process.execPath, [childJs], {
      cwd: repoRoot,
      env: { BENCH_CODER_URL: coder.url, BENCH_CODER_TOKEN: coder.token, BENCH_LINES: String(count), BENCH_TIMES_FILE: timesFile, BENCH_RATE: String(rate), BENCH_BATCH_LINES: String(batchLines) },
      timeoutMs: 10 * 60_000,
    });
    const cpu = process.cpuUsage(cpuBefore);
    if (child.code !== 0) throw new Error(`log-streaming child exited ${child.code}: ${child.stderr.slice(-2000)}`);
    const report = JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as ChildReport;
    const raw = await readFile(timesFile);
    const writeTimes = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);

    const patches = coder.requests.filter((r) => r.method === 'PATCH');
    const accepted = patches.filter((r) => r.status === 200);
    const latencies: number[] = [];
    for (const request of accepted) {
      const body = JSON.parse(request.body) as { logs: { output: string }[] };
      for (const entry of body.logs) {
        const index = tagIndex(entry.output);
        if (index !== undefined) latencies.push(request.at - (writeTimes[index] as number));
      }
    }
    const stored = coder.logsFor(DEV_CONTAINER_LOG_SOURCE.id).map((l) => l.output);
    // The sink keeps order, so a two-pointer walk finds what is missing or extra.
    let matched = 0;
    let deliveredLines = 0;
    let e = 0;
    for (const output of stored) {
      let k = e;
      while (k < expected.length && expected[k] !== output) k += 1;
      if (k < expected.length && expected[k] === output) {
        matched += 1;
        if (tagIndex(output) !== undefined) deliveredLines += 1;
        e = k + 1;
      }
    }
    const result: RunResult = {
      // Lines that reached Coder, not lines written: a dropped line is no throughput.
      linesPerSecond: deliveredLines / (report.totalMs / 1000),
      writtenPerSecond: report.lines / (report.writeMs / 1000),
      peakRssMiB: report.peakRssKiB / 1024,
      rssGrowthMiB: (report.peakRssKiB - report.baselineRssKiB) / 1024,
      batches: accepted.length,
      failedRequests: coder.requests.length - accepted.length - 1,
      expected: expected.length,
      delivered: stored.length,
      missing: expected.length - matched,
      extra: stored.length - matched,
      childCpuMs: report.cpuMs,
      // This process is the fake Coder (plus the idle wait for the child).
      coderCpuMs: (cpu.user + cpu.system) / 1000,
      totalMs: report.totalMs,
      peakHeapUsedMiB: report.peakHeapUsedMiB,
      msPerBatch: report.totalMs / Math.max(1, accepted.length),
      p50Ms: latencies.length > 0 ? percentile(latencies, 50) : NaN,
      p99Ms: latencies.length > 0 ? percentile(latencies, 99) : NaN,
    };
    log(`log streaming: ${Math.round(result.linesPerSecond)} lines/s (writes took ${Math.round(report.writeMs)} ms, all acknowledged after ${Math.round(report.totalMs)} ms), ` +
      `peak RSS ${result.peakRssMiB.toFixed(1)} MiB, ${result.batches} batches, delivered ${result.delivered}/${result.expected} (${result.missing} missing, ${result.extra} extra), ` +
      `p50 ${Math.round(result.p50Ms)} ms, p99 ${Math.round(result.p99Ms)} ms, heap ${result.peakHeapUsedMiB.toFixed(0)} MiB, ${result.msPerBatch.toFixed(1)} ms/batch, CPU streamer ${Math.round(result.childCpuMs)} ms, fake Coder ${Math.round(result.coderCpuMs)} ms`);
    return result;
  } finally {
    await coder.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the log-streaming bench and returns its figures. */
export async function benchLogStreaming(options: LogStreamingOptions): Promise<Figure[]> {
  const count = options.lines ?? 200_000;
  const runs = options.runs ?? 3;
  const expected = expectedOutputs(count);
  const childJs = await compileChild(options.log);
  const modes = [
    // As fast as the event loop turns: the streamer's ceiling.
    { key: 'burst', rate: 0, batchLines: 0, what: 'written as fast as possible' },
    // Offered at a rate this streamer can sustain here (a very noisy build):
    // delivery must be exact and the latency bounded.
    { key: 'paced', rate: 10_000, batchLines: 0, what: 'offered at 10,000 lines/s' },
    // Diagnostic, not the builder as shipped: the same pipeline with 1,000
    // lines per PATCH instead of 100, to show what bounds the throughput.
    { key: 'burstBatch1000', rate: 0, batchLines: 1000, what: 'as fast as possible, DIAGNOSTIC 1,000-line batches' },
  ] as const;
  const figures: Figure[] = [];
  for (const mode of modes) {
    const results: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      options.log(`log streaming (${mode.key}) run ${i + 1}/${runs}`);
      results.push(await oneRun(childJs, count, mode.rate, mode.batchLines, expected, options.log));
    }
    const pick = (f: (r: RunResult) => number) => results.map(f);
    const id = (name: string) => `log.${mode.key}.${name}`;
    const label = (name: string) => `Log streaming, ${mode.what}: ${name}`;
    figures.push(
      { id: id('linesPerSecond'), label: label('lines delivered per second, first write to last acknowledged batch'), unit: 'lines/s', samples: pick((r) => r.linesPerSecond),
        // Only the unpaced run can show the ceiling; the paced one is bounded by its offer.
        target: mode.rate === 0 ? { kind: 'min', value: 50_000 } : undefined,
        note: `${count.toLocaleString('en-US')} lines, 1 % over 1024 characters (${expected.length.toLocaleString('en-US')} Coder entries after splitting), ${runs} runs` },
      { id: id('writtenPerSecond'), label: label('lines written per second (the producer side)'), unit: 'lines/s', samples: pick((r) => r.writtenPerSecond) },
      { id: id('peakRssMiB'), label: label('peak RSS of the streaming process'), unit: 'MiB', samples: pick((r) => r.peakRssMiB), target: { kind: 'max', value: 150 } },
      { id: id('peakHeapUsedMiB'), label: label('peak V8 heap in use'), unit: 'MiB', samples: pick((r) => r.peakHeapUsedMiB) },
      { id: id('msPerBatch'), label: label('wall time per acknowledged batch'), unit: 'ms', samples: pick((r) => r.msPerBatch) },
      { id: id('rssGrowthMiB'), label: label('RSS growth over the idle process'), unit: 'MiB', samples: pick((r) => r.rssGrowthMiB) },
      { id: id('batches'), label: label('batches acknowledged'), unit: 'PATCH', samples: pick((r) => r.batches) },
      { id: id('delivered'), label: label(`entries delivered of ${expected.length.toLocaleString('en-US')}`), unit: 'entries', samples: pick((r) => r.delivered), target: { kind: 'min', value: expected.length } },
      { id: id('missing'), label: label('entries missing'), unit: 'entries', samples: pick((r) => r.missing), target: { kind: 'max', value: 0 } },
      { id: id('extra'), label: label('entries extra or changed'), unit: 'entries', samples: pick((r) => r.extra), target: { kind: 'max', value: 0 } },
      { id: id('latencyP50Ms'), label: label('write → acknowledged p50'), unit: 'ms', samples: pick((r) => r.p50Ms) },
      { id: id('latencyP99Ms'), label: label('write → acknowledged p99'), unit: 'ms', samples: pick((r) => r.p99Ms), target: { kind: 'max', value: 1500 } },
      { id: id('linesPerCpuSecond'), label: label('lines per CPU second of the streaming process (load-independent ceiling)'), unit: 'lines/s', samples: pick((r) => count / (r.childCpuMs / 1000)) },
      { id: id('cpuStreamerMs'), label: label('CPU time of the streaming process'), unit: 'ms', samples: pick((r) => r.childCpuMs) },
      { id: id('cpuCoderMs'), label: label('CPU time of the fake Coder'), unit: 'ms', samples: pick((r) => r.coderCpuMs) },
    );
  }
  return figures;
}
