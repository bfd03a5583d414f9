// `npm run bench [-- <suite> …]`: runs the benchmarks of issue 5, prints one
// table and writes bench-results.json. Suites: log, image, pod (builder
// overhead), restart (cold start, warm restart, bare pod restart), cache,
// waitfor (agent before the end of postCreate). A suite that fails or cannot
// run on this machine yields "not measured: <reason>" rows, never a number.
// BENCH_RESTART_PAIRS, BENCH_OVERHEAD_PAIRS: fewer pairs while developing.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { benchLogStreaming } from './log-streaming.js';
import { machine, notMeasured, renderTable, toResult, type BenchResults, type Figure } from './report.js';

const repoRoot = resolve(import.meta.dirname, '..');

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

type Suite = () => Promise<Figure[]>;

/** A suite's pair count from the environment (fewer while developing); unset: the suite's default. */
function pairsFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return n;
}

/** Suites by name, in the order they run. Docker suites are imported lazily, so `log` runs without Docker. */
const SUITES: Record<string, Suite> = {
  log: () => benchLogStreaming({ log }),
  image: async () => (await import('./image.js')).benchImage({ log }),
  pod: async () => (await import('./pod.js')).benchPod({ log, overheadPairs: pairsFromEnv('BENCH_OVERHEAD_PAIRS') }),
  restart: async () => (await import('./restart.js')).benchRestart({ log, pairs: pairsFromEnv('BENCH_RESTART_PAIRS') }),
  cache: async () => (await import('./registry-cache.js')).benchRegistryCache({ log }),
  waitfor: async () => (await import('./waitfor.js')).benchWaitFor({ log }),
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const names = asked.length > 0 ? asked : Object.keys(SUITES);
  const load = loadavg()[0];
  const startedAt = new Date().toISOString();
  const figures: Figure[] = [];
  for (const name of names) {
    const started = performance.now();
    log(`suite ${name} …`);
    try {
      figures.push(...(await (SUITES[name] as Suite)()));
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 300) : String(error);
      log(`suite ${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
      figures.push(notMeasured(`${name}.error`, `Suite "${name}"`, '', `the suite failed: ${reason}`));
    }
    log(`suite ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const results: BenchResults = {
    date: startedAt,
    command: `npm run bench${asked.length > 0 ? ` -- ${asked.join(' ')}` : ''}`,
    machine: machine(load),
    figures: figures.map(toResult),
  };
  await writeFile(join(repoRoot, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderTable(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
