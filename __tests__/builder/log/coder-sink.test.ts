import { describe, expect, it } from 'vitest';
import { HttpCoderLogApi } from '../../../builder/log/coder-api.js';
import { CoderSink, type CoderSinkOptions } from '../../../builder/log/coder-sink.js';
import { DEV_CONTAINER_LOG_SOURCE } from '../../../builder/log/coder-source.js';
import type { LogLevel } from '../../../builder/log/log-line.js';
import { startFakeCoder, type FakeCoder, type FakeCoderOptions } from '../../support/fake-coder.js';
import { FAST_RETRY, closedPort, line, onCleanup, waitFor } from './support.js';

const ID = DEV_CONTAINER_LOG_SOURCE.id;

interface Setup {
  coder: FakeCoder;
  sink: CoderSink;
  notices: { level: LogLevel; text: string }[];
  patches: () => number[];
}

async function setup(coderOptions: FakeCoderOptions = {}, sinkOptions: Partial<CoderSinkOptions> = {}, url?: string): Promise<Setup> {
  const coder = await startFakeCoder(coderOptions);
  onCleanup(() => coder.close());
  const notices: Setup['notices'] = [];
  const sink = new CoderSink({
    api: new HttpCoderLogApi({ url: url ?? coder.url, token: coder.token, retry: FAST_RETRY }),
    flushIntervalMs: 50,
    notify: (level, text) => notices.push({ level, text }),
    ...sinkOptions,
  });
  onCleanup(() => sink.close(1_000));
  const patches = () =>
    coder.requests
      .filter((r) => r.method === 'PATCH' && r.status === 200)
      .map((r) => (JSON.parse(r.body) as { logs: unknown[] }).logs.length);
  return { coder, sink, notices, patches };
}

const outputs = (coder: FakeCoder) => coder.logsFor(ID).map((l) => l.output);

describe('CoderSink', () => {
  it('registers the Dev Container source once and sends lines in order', async () => {
    const { coder, sink } = await setup();
    sink.write(line('one'));
    sink.write(line('two', 'warn'));
    await sink.flush(2_000);
    expect(coder.sources.get(ID)).toEqual({ id: ID, display_name: 'Dev Container', icon: '/icon/docker.png' });
    expect(coder.logsFor(ID).map((l) => [l.output, l.level])).toEqual([['one', 'info'], ['two', 'warn']]);
    expect(coder.requests.filter((r) => r.path.endsWith('/log-source'))).toHaveLength(1);
  });

  it('sends a few lines on the timer, in one PATCH, without a flush', async () => {
    const { coder, sink, patches } = await setup();
    for (let i = 0; i < 5; i++) sink.write(line(`line ${i}`));
    expect(patches()).toEqual([]);
    await waitFor(() => outputs(coder).length === 5, 2_000, 'the timer to send');
    expect(patches()).toEqual([5]);
  });

  it('batches: 100 lines go out at once, fewer wait for the timer or a flush', async () => {
    const { coder, sink, patches } = await setup({}, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 99; i++) sink.write(line(`line ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(patches()).toEqual([]);
    sink.write(line('line 99'));
    await waitFor(() => outputs(coder).length === 100, 5_000, 'a full batch');
    for (let i = 100; i < 150; i++) sink.write(line(`line ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(patches()).toEqual([100]);
    await sink.flush(2_000);
    expect(patches()).toEqual([100, 50]);
    expect(outputs(coder)).toEqual(Array.from({ length: 150 }, (_, i) => `line ${i}`));
  });

  it('sends a backlog in larger requests, capped in lines and in bytes', async () => {
    const { coder, sink, patches } = await setup({}, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 2500; i++) sink.write(line(`line ${i}`));
    await waitFor(() => outputs(coder).length === 2500, 5_000, 'the backlog');
    expect(patches()).toEqual([1000, 1000, 500]);

    const capped = await setup({}, { flushIntervalMs: 60_000, maxBatchBytes: 100_000 });
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 300; i++) capped.sink.write(line(text));
    await waitFor(() => outputs(capped.coder).length === 300, 5_000, 'the capped backlog');
    expect(capped.patches()).toEqual([100, 100, 100]);
  });

  it('writes without blocking: write() returns before anything is sent', async () => {
    const { coder, sink } = await setup();
    const started = performance.now();
    for (let i = 0; i < 5_000; i++) sink.write(line(`quick ${i}`));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(coder.requests).toHaveLength(0);
  });

  it('splits lines longer than 1024 characters so Coder truncates nothing', async () => {
    const { coder, sink } = await setup();
    const long = Array.from({ length: 2500 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    sink.write(line(long));
    await sink.flush(2_000);
    expect(outputs(coder).map((o) => o.length)).toEqual([1024, 1024, 452]);
    expect(outputs(coder).join('')).toBe(long);
    expect(coder.truncated).toBe(0);
  });

  it('strips ANSI sequences and control bytes, maps levels Coder accepts', async () => {
    const { coder, sink } = await setup();
    sink.write(line('\u001b[32m✔\u001b[0m built\u0000'));
    sink.write({ time: new Date(), level: 'warning' as LogLevel, text: 'from the CLI' });
    await sink.flush(2_000);
    expect(coder.logsFor(ID).map((l) => [l.output, l.level])).toEqual([['✔ built', 'info'], ['from the CLI', 'warn']]);
  });

  it('keeps the beginning and the end within the budget, with one line saying how many were left out', async () => {
    const { coder, sink } = await setup({}, { budgetBytes: 10_000 });
    const total = 1_000;
    for (let i = 0; i < total; i++) sink.write(line(`noisy line ${String(i).padStart(4, '0')}`));
    await sink.flush(5_000);
    const got = outputs(coder);
    const markers = got.filter((o) => o.includes('lines left out'));
    expect(markers).toHaveLength(1);
    const marker = markers[0] as string;
    const index = got.indexOf(marker);
    const head = got.slice(0, index);
    const tail = got.slice(index + 1);
    const leftOut = Number(/… (\d+) lines left out to stay within the log budget/.exec(marker)?.[1]);
    expect(head[0]).toBe('noisy line 0000');
    expect(tail.at(-1)).toBe('noisy line 0999');
    expect(head.length + leftOut + tail.length).toBe(total);
    // Head and tail are contiguous runs of the original output.
    expect(head).toEqual(Array.from({ length: head.length }, (_, i) => `noisy line ${String(i).padStart(4, '0')}`));
    expect(tail).toEqual(Array.from({ length: tail.length }, (_, i) => `noisy line ${String(total - tail.length + i).padStart(4, '0')}`));
    expect(coder.usedBytes).toBeLessThanOrEqual(10_000);
    expect(head.join('\n').length).toBeGreaterThan(10_000 * 0.6);
    expect(coder.logsFor(ID)[index]?.level).toBe('warn');
  });

  it('loses no line below the budget, with many thousands of lines', async () => {
    const { coder, sink } = await setup();
    const total = 12_000;
    for (let i = 0; i < total; i++) sink.write(line(`build output line number ${i}`));
    await sink.flush(15_000);
    const got = outputs(coder);
    expect(got).toHaveLength(total);
    expect(got).toEqual(Array.from({ length: total }, (_, i) => `build output line number ${i}`));
    expect(got.some((o) => o.includes('left out'))).toBe(false);
  });

  it('rides out the 401 window at pod start without losing a line', async () => {
    const { coder, sink, notices } = await setup({ unauthorizedForMs: 500 });
    for (let i = 0; i < 150; i++) sink.write(line(`early ${i}`));
    await sink.flush(5_000);
    expect(coder.requests.some((r) => r.status === 401)).toBe(true);
    expect(outputs(coder)).toEqual(Array.from({ length: 150 }, (_, i) => `early ${i}`));
    expect(notices).toEqual([]);
  });

  it('stops for good on 413 and says so', async () => {
    const { coder, sink, notices } = await setup({ limitBytes: 2_000 }, { budgetBytes: 1_000_000 });
    for (let i = 0; i < 300; i++) sink.write(line(`line ${i} ${'x'.repeat(40)}`));
    await sink.flush(3_000);
    expect(sink.stats.stopped).toBe('limit');
    expect(notices.map((n) => n.text).join('\n')).toContain("Coder's log limit");
    const before = coder.requests.length;
    sink.write(line('after the limit'));
    await sink.flush(500);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(coder.requests.length).toBe(before);
    expect(coder.requests.filter((r) => r.status === 413)).toHaveLength(1);
    // The batch did not fit, but the one line saying why the log ends does.
    expect(outputs(coder).at(-1)).toMatch(/log limit for this agent is reached/);
  });

  it('retries 5xx within bounds and delivers everything afterwards', async () => {
    const { coder, sink } = await setup();
    coder.failNext(503, 2);
    for (let i = 0; i < 10; i++) sink.write(line(`after 503 ${i}`));
    await sink.flush(3_000);
    expect(outputs(coder)).toHaveLength(10);
    expect(coder.requests.filter((r) => r.status === 503)).toHaveLength(2);
  });

  it('keeps memory bounded while Coder is down, and says what was left out once it is back', async () => {
    const { coder, sink, notices } = await setup({}, { maxQueueLines: 500 });
    coder.failNext(503, 1_000_000);
    for (let i = 0; i < 20_000; i++) sink.write(line(`while down ${i}`));
    expect(sink.stats.pendingLines).toBeLessThanOrEqual(500);
    expect(sink.stats.heldLines).toBeLessThanOrEqual(500);
    await waitFor(() => notices.some((n) => n.text.includes('failing')), 3_000, 'outage notice');
    coder.failNext(503, 0);
    await sink.flush(5_000);
    const got = outputs(coder);
    expect(got[0]).toBe('while down 0');
    expect(got.at(-1)).toBe('while down 19999');
    const marker = got.find((o) => o.includes('left out'));
    expect(marker).toMatch(/lines left out while Coder was not answering/);
    expect(got.length).toBeLessThanOrEqual(1_001);
  });

  it('gives up at the flush deadline when Coder hangs', async () => {
    const { coder, sink, notices } = await setup();
    coder.hang(true);
    for (let i = 0; i < 20; i++) sink.write(line(`stuck ${i}`));
    const started = Date.now();
    await sink.close(300);
    // Ignoring the deadline would mean waiting for the 2 s request timeout, and retrying.
    expect(Date.now() - started).toBeLessThan(1_800);
    expect(sink.stats.undeliveredLines).toBe(20);
    expect(notices.map((n) => n.text).join('\n')).toContain('20 log lines were not delivered');
  });

  it('does not block the build when Coder is unreachable', async () => {
    const { sink } = await setup({}, {}, `http://127.0.0.1:${await closedPort()}`);
    const started = Date.now();
    for (let i = 0; i < 1_000; i++) sink.write(line(`nowhere ${i}`));
    await sink.close(400);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(sink.stats.sentLines).toBe(0);
    expect(sink.stats.undeliveredLines).toBe(1_000);
  });
});
