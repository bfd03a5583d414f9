// Bench 4 of issue 5: 200,000 lines through the builder's Coder log client
// against the fake Coder on loopback. The streamer runs in a child process
// (its RSS is its own); the fake Coder, in this process, records every request
// with the time it answered, so write → acknowledged latency is measured per
// line from the child's write times (both sides read the same wall clock).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFakeCoder } from '../__tests__/support/fake-coder.js';
import { CODER_AGENT_LOG_LIMIT_BYTES, DEFAULT_MAX_QUEUE_LINES, DEV_CONTAINER_LOG_SOURCE } from '../builder/log/index.js';
import { lossFreeBudget } from '../builder/log/coder-queue.js';
import { coderBytes, splitForCoder } from '../builder/log/coder-text.js';
import { runChild } from './child.js';
import type { ChildReport } from './log-streaming-child.js';
import { linesOf, tagIndex } from './log-lines.js';
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

/** The entries Coder should hold after the sink split the lines (nothing over budget). */
function expectedOutputs(shape: Shape, count: number): string[] {
  const out: string[] = [];
  for (const line of linesOf(shape, count)) out.push(...splitForCoder(line));
  return out;
}

type Shape = 'mixed' | 'short';

/**
 * The most lines of `shape` whose Coder entries stay within the sink's
 * loss-free budget at its production defaults (half of Coder's 1 MiB, minus
 * the reserve for the "left out" line; 2 × maxQueueLines entries).
 */
function linesWithinBudget(shape: Shape): number {
  const budget = lossFreeBudget({ budgetBytes: CODER_AGENT_LOG_LIMIT_BYTES / 2, maxQueueLines: DEFAULT_MAX_QUEUE_LINES });
  let bytes = 0;
  let entries = 0;
  let lines = 0;
  for (const line of linesOf(shape, budget.lines)) {
    const pieces = splitForCoder(line);
    const more = pieces.reduce((sum, piece) => sum + coderBytes(piece), 0);
    if (bytes + more > budget.bytes || entries + pieces.length > budget.lines) break;
    bytes += more;
    entries += pieces.length;
    lines += 1;
  }
  return lines;
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

interface Mode {
  readonly key: string;
  readonly what: string;
  readonly rate: number;
  readonly batchLines: number;
  readonly lines: number;
  readonly shape: Shape;
  /** 'lifted': sink budget 1 GiB, fake Coder limit 2 GiB; 'production': both as shipped (512 KiB of Coder's real 1 MiB). */
  readonly budget: 'lifted' | 'production';
  /** Whether the output is within the loss-free budget, so that every entry must arrive. */
  readonly exact: boolean;
  /** Whether the throughput, p99 and RSS targets apply (written as fast as possible, the builder as shipped). */
  readonly targets: boolean;
}

async function oneRun(childJs: string, mode: Mode, expected: readonly string[], log: (line: string) => void): Promise<RunResult> {
  const { lines: count, rate, batchLines } = mode;
  // Lifted: a limit far above the output, so only the sink's line bound can cut. Production: Coder's own 1 MiB.
  const coder = await startFakeCoder({ limitBytes: mode.budget === 'lifted' ? 2 ** 31 : CODER_AGENT_LOG_LIMIT_BYTES });
  const dir = await mkdtemp(join(tmpdir(), 'bench-log-'));
  try {
    const timesFile = join(dir, 'write-times.f64');
    const cpuBefore = process.cpuUsage();
    const child = await runChild(process.execPath, [childJs], {
      cwd: repoRoot,
      env: { BENCH_CODER_URL: coder.url, BENCH_CODER_TOKEN: coder.token, BENCH_LINES: String(count), BENCH_TIMES_FILE: timesFile, BENCH_RATE: String(rate), BENCH_BATCH_LINES: String(batchLines),
        BENCH_BUDGET: mode.budget, BENCH_SHAPE: mode.shape },
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
  const childJs = await compileChild(options.log);
  const base = { batchLines: 0, lines: count, shape: 'mixed', budget: 'lifted', exact: false, targets: false } as const;
  const modes: Mode[] = [
    // (a) As fast as the event loop turns: the streamer's ceiling, the targets' run.
    { ...base, key: 'burst', rate: 0, targets: true, what: 'written as fast as possible' },
    // Offered at a rate this streamer can sustain here (a very noisy build).
    { ...base, key: 'paced', rate: 10_000, what: 'offered at 10,000 lines/s' },
    // Diagnostic, not the builder as shipped: an immediate send at 1,000 queued lines instead of 100.
    { ...base, key: 'burstBatch1000', rate: 0, batchLines: 1000, what: 'as fast as possible, DIAGNOSTIC send at 1,000 lines' },
    // (b) Exactness: written as fast as possible, the sink and Coder's limit as shipped, the output
    // just within the loss-free budget: by bytes (mixed lines) and by lines (13-byte lines).
    { ...base, key: 'exactBytes', rate: 0, budget: 'production', exact: true, lines: linesWithinBudget('mixed'),
      what: 'EXACTNESS, as fast as possible, just within the byte budget' },
    { ...base, key: 'exactLines', rate: 0, budget: 'production', exact: true, shape: 'short', lines: linesWithinBudget('short'),
      what: 'EXACTNESS, as fast as possible, just within the line budget' },
  ];
  const budget = lossFreeBudget({ budgetBytes: CODER_AGENT_LOG_LIMIT_BYTES / 2, maxQueueLines: DEFAULT_MAX_QUEUE_LINES });
  const figures: Figure[] = [];
  for (const mode of modes) {
    const expected = expectedOutputs(mode.shape, mode.lines);
    const results: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      options.log(`log streaming (${mode.key}, ${mode.lines} lines) run ${i + 1}/${runs}`);
      results.push(await oneRun(childJs, mode, expected, options.log));
    }
    const pick = (f: (r: RunResult) => number) => results.map(f);
    const id = (name: string) => `log.${mode.key}.${name}`;
    const label = (name: string) => `Log streaming, ${mode.what}: ${name}`;
    const entries = expected.length.toLocaleString('en-US');
    const bytes = expected.reduce((sum, output) => sum + coderBytes(output), 0).toLocaleString('en-US');
    const volume = mode.shape === 'short' ? `${mode.lines.toLocaleString('en-US')} lines of 13 bytes` : `${mode.lines.toLocaleString('en-US')} lines, 1 % over 1024 characters`;
    const setup = mode.budget === 'lifted'
      ? 'sink budget lifted to 1 GiB and the fake Coder\'s 1 MiB limit to 2 GiB, so that 200,000 lines can be sent; the sink\'s line bound stays as shipped'
      : `sink and Coder's limit as shipped: loss-free budget ${budget.bytes.toLocaleString('en-US')} bytes and ${budget.lines.toLocaleString('en-US')} entries`;
    const note = `${volume} (${entries} Coder entries, ${bytes} bytes after splitting), ${setup}; ${runs} runs`;
    const must = mode.exact;
    const exactNote = mode.exact ? undefined
      : `beyond the loss-free budget (${budget.lines.toLocaleString('en-US')} entries waiting at once): when Coder falls behind, the sink drops the middle with one notice, by design`;
    figures.push(
      { id: id('linesPerSecond'), label: label('lines delivered per second, first write to last acknowledged batch'), unit: 'lines/s', samples: pick((r) => r.linesPerSecond),
        target: mode.targets ? { kind: 'min', value: 50_000 } : undefined, note },
      { id: id('writtenPerSecond'), label: label('lines written per second (the producer side)'), unit: 'lines/s', samples: pick((r) => r.writtenPerSecond) },
      { id: id('peakRssMiB'), label: label('peak RSS of the streaming process'), unit: 'MiB', samples: pick((r) => r.peakRssMiB), target: mode.targets ? { kind: 'max', value: 150 } : undefined },
      { id: id('peakHeapUsedMiB'), label: label('peak V8 heap in use'), unit: 'MiB', samples: pick((r) => r.peakHeapUsedMiB) },
      { id: id('msPerBatch'), label: label('wall time per acknowledged batch'), unit: 'ms', samples: pick((r) => r.msPerBatch) },
      { id: id('rssGrowthMiB'), label: label('RSS growth over the idle process'), unit: 'MiB', samples: pick((r) => r.rssGrowthMiB) },
      { id: id('batches'), label: label('batches acknowledged'), unit: 'PATCH', samples: pick((r) => r.batches) },
      { id: id('delivered'), label: label(`entries delivered of ${entries}`), unit: 'entries', samples: pick((r) => r.delivered), target: must ? { kind: 'min', value: expected.length } : undefined, note: exactNote },
      { id: id('missing'), label: label('entries missing'), unit: 'entries', samples: pick((r) => r.missing), target: must ? { kind: 'max', value: 0 } : undefined, note: exactNote },
      { id: id('extra'), label: label('entries extra or changed'), unit: 'entries', samples: pick((r) => r.extra), target: must ? { kind: 'max', value: 0 } : undefined, note: exactNote },
      { id: id('latencyP50Ms'), label: label('write → acknowledged p50'), unit: 'ms', samples: pick((r) => r.p50Ms) },
      { id: id('latencyP99Ms'), label: label('write → acknowledged p99'), unit: 'ms', samples: pick((r) => r.p99Ms), target: mode.targets ? { kind: 'max', value: 1500 } : undefined },
      { id: id('linesPerCpuSecond'), label: label('lines per CPU second of the streaming process (load-independent ceiling)'), unit: 'lines/s', samples: pick((r) => mode.lines / (r.childCpuMs / 1000)) },
      { id: id('cpuPerLineUs'), label: label('CPU per line of the streaming process (start-up included)'), unit: 'µs', samples: pick((r) => (r.childCpuMs * 1000) / mode.lines) },
      { id: id('cpuStreamerMs'), label: label('CPU time of the streaming process'), unit: 'ms', samples: pick((r) => r.childCpuMs) },
      { id: id('cpuCoderMs'), label: label('CPU time of the fake Coder'), unit: 'ms', samples: pick((r) => r.coderCpuMs) },
    );
  }
  return figures;
}
