import { cpus, totalmem } from 'node:os';
import { summarize, type Summary } from './stats.js';

/** A target: the median must be at or below (`max`) or at or above (`min`) `value`. */
export interface Target {
  readonly kind: 'max' | 'min';
  readonly value: number;
  /** The stretch goal, shown next to the target. @default - none */
  readonly goal?: number;
}

/** One figure of the bench: its samples, or why there are none. */
export interface Figure {
  /** Stable key in bench-results.json, e.g. `log.linesPerSecond`. */
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  /** Raw samples; empty when `notMeasured` says why. */
  readonly samples: readonly number[];
  /** @default - no target */
  readonly target?: Target;
  /** Why no sample exists ("not measured: <reason>"). */
  readonly notMeasured?: string;
  /** One sentence of context for the reader (what was compared, how often). */
  readonly note?: string;
}

/** A figure as written to bench-results.json. */
export interface FigureResult extends Figure {
  readonly summary?: Summary;
  /** Whether the median meets the target; absent without target or samples. */
  readonly met?: boolean;
}

export interface BenchResults {
  readonly date: string;
  readonly command: string;
  readonly machine: { readonly cores: number; readonly cpuModel: string; readonly memoryGiB: number; readonly node: string; readonly loadAverage1m?: number };
  readonly figures: readonly FigureResult[];
}

/** A figure that could not be measured, with the reason. */
export function notMeasured(id: string, label: string, unit: string, reason: string, target?: Target): Figure {
  return { id, label, unit, samples: [], notMeasured: reason, target };
}

/** Whether a median meets a target. */
export function meets(target: Target, median: number): boolean {
  return target.kind === 'max' ? median <= target.value : median >= target.value;
}

export function toResult(figure: Figure): FigureResult {
  if (figure.samples.length === 0) return figure;
  if (!figure.samples.some((x) => Number.isFinite(x))) {
    return { ...figure, samples: [], notMeasured: figure.notMeasured ?? 'no finite sample (a milestone was not found)' };
  }
  const summary = summarize(figure.samples);
  return { ...figure, summary, met: figure.target === undefined ? undefined : meets(figure.target, summary.median) };
}

export function machine(loadAverage1m?: number): BenchResults['machine'] {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1m,
  };
}

/** Numbers print with three significant digits, integers above 1000 whole. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

function targetText(t: Target | undefined): string {
  if (t === undefined) return '';
  const op = t.kind === 'max' ? '≤' : '≥';
  return `${op} ${formatNumber(t.value)}${t.goal === undefined ? '' : ` (goal ${formatNumber(t.goal)})`}`;
}

/** The result table as Markdown (the same text goes to stdout and docs/benchmarks.md). */
export function renderTable(results: BenchResults): string {
  const rows = results.figures.map((f) => {
    const s = f.summary;
    const verdict = f.met === undefined ? (f.target === undefined ? '' : '—') : f.met ? 'met' : 'NOT met';
    if (s === undefined) return `| ${f.label} | ${f.unit} | not measured: ${f.notMeasured ?? 'no samples'} | | | | ${targetText(f.target)} | ${verdict} |`;
    return `| ${f.label} | ${f.unit} | ${formatNumber(s.median)} | ${formatNumber(s.min)} | ${formatNumber(s.max)} | ${s.n} | ${targetText(f.target)} | ${verdict} |`;
  });
  const m = results.machine;
  return [
    `${results.date} · \`${results.command}\` · ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}${m.loadAverage1m === undefined ? '' : `, load average ${m.loadAverage1m.toFixed(1)} at start`}`,
    '',
    '| figure | unit | median | min | max | n | target | |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}
