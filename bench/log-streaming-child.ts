// The streamer under test, in its own process so that its peak RSS and CPU
// are its own (the fake Coder runs in the parent). It writes the bench lines
// through createBuilderLog — the same fan-out, masking and Coder sink the
// builder uses — with the console going to /dev/null, then closes the log
// (which waits until Coder acknowledged everything) and prints one JSON line.
import { Writable } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import {
  CoderSink, ConsoleSink, FanoutSink, HttpCoderLogApi, LevelFilterSink, Logger, MaskingSink, PlainTextSink, createBuilderLog, createMasker,
} from '../builder/log/index.js';
import { linesOf } from './log-lines.js';

/** What the child reports (one JSON line on stdout). */
export interface ChildReport {
  readonly lines: number;
  /** First write to the last line written. */
  readonly writeMs: number;
  /** First write until close() returned: every batch acknowledged (or given up). */
  readonly totalMs: number;
  /** CPU time (user + system) the streaming process used in all. */
  readonly cpuMs: number;
  readonly baselineRssKiB: number;
  readonly peakRssKiB: number;
  /** Highest V8 heap in use seen (sampled every 50 ms). */
  readonly peakHeapUsedMiB: number;
  /** Highest memory outside the V8 heap (buffers) seen. */
  readonly peakExternalMiB: number;
  /** Where the epoch-ms write time of each line was saved (Float64 little-endian). */
  readonly writeTimesFile: string;
}

const url = process.env.BENCH_CODER_URL ?? '';
const token = process.env.BENCH_CODER_TOKEN ?? '';
const count = Number(process.env.BENCH_LINES ?? '200000');
/** Lines written per event-loop turn: about one 64 KiB pipe read of build output. */
const chunk = Number(process.env.BENCH_CHUNK ?? '300');
/** Offered load in lines/s; 0 writes as fast as the event loop turns. */
const rate = Number(process.env.BENCH_RATE ?? '0');
const timesFile = process.env.BENCH_TIMES_FILE ?? '';
/**
 * Diagnostic only: lines per PATCH. createBuilderLog does not expose it, so
 * when set the child puts the same sinks together itself with this one knob
 * changed (mirrors createBuilderLog in builder/log/index.ts).
 */
const batchLines = Number(process.env.BENCH_BATCH_LINES ?? '0');
/** 'lifted': a 1 GiB budget (throughput runs); 'production': the sink's own default budget (exactness runs). */
const budget = process.env.BENCH_BUDGET ?? 'lifted';
const shape = process.env.BENCH_SHAPE === 'short' ? 'short' : 'mixed';

/** The builder's log pipeline: createBuilderLog, or its copy with another batch size. */
function builderLogFor(out: Writable): { log: Logger; close(deadlineMs?: number): Promise<void> } {
  // Flush as in production; the budget as in production for the exactness
  // runs, lifted to 1 GiB for the throughput runs (200,000 lines are ~35 MB).
  const budgetBytes = budget === 'production' ? undefined : 1 << 30;
  if (batchLines === 0) return createBuilderLog({ coder: { url, token, budgetBytes }, secrets: [], out });
  const consoleSink = new ConsoleSink({ out });
  const coder = new CoderSink({ api: new HttpCoderLogApi({ url, token }), budgetBytes, batchLines });
  const masked = new MaskingSink(new FanoutSink([consoleSink, coder]), createMasker([token]));
  const log = new Logger(new LevelFilterSink(new PlainTextSink(masked), 'debug'));
  return { log, close: (deadlineMs) => coder.close(deadlineMs) };
}

async function main(): Promise<void> {
  if (url === '' || token === '' || timesFile === '') throw new Error('BENCH_CODER_URL, BENCH_CODER_TOKEN and BENCH_TIMES_FILE are required');
  const baselineRssKiB = process.resourceUsage().maxRSS;
  // The console sink formats every line; the bytes are dropped here, so the
  // figure is the streamer's, not the speed of whatever reads stdout.
  const out = new Writable({ write: (_chunk, _encoding, done) => done() });
  const builderLog = builderLogFor(out);
  // Where the memory is: V8 heap in use vs what the process holds (RSS).
  let peakHeapUsed = 0;
  let peakExternal = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
  }, 50);
  const times = new Float64Array(count);
  const origin = performance.timeOrigin;
  const lines = linesOf(shape, count);
  const started = performance.now();
  let written = 0;
  while (written < count) {
    const end = Math.min(count, written + chunk);
    for (; written < end; written++) {
      const next = lines.next();
      times[written] = origin + performance.now();
      builderLog.log.info(next.value as string);
    }
    if (rate > 0) {
      const due = started + (written / rate) * 1000;
      const wait = due - performance.now();
      await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
    } else {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const writeMs = performance.now() - started;
  await builderLog.close(120_000);
  const totalMs = performance.now() - started;
  clearInterval(sampler);
  const usage = process.resourceUsage();
  const peakRssKiB = usage.maxRSS;
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  await writeFile(timesFile, Buffer.from(times.buffer));
  const report: ChildReport = {
    lines: count, writeMs, totalMs, cpuMs, baselineRssKiB, peakRssKiB, peakHeapUsedMiB: peakHeapUsed / 2 ** 20, peakExternalMiB: peakExternal / 2 ** 20, writeTimesFile: timesFile,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  out.end();
}

main().catch((error: unknown) => {
  process.stderr.write(`log-streaming child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
