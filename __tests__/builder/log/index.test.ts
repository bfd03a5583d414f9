import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEV_CONTAINER_LOG_SOURCE, createBuilderLog } from '../../../builder/log/index.js';
import { startFakeCoder, type FakeCoderOptions } from '../../support/fake-coder.js';
import { FAST_RETRY, closedPort, onCleanup } from './support.js';

const GH_TOKEN = 'ghp_0123456789abcdefABCDEF0123456789abcd';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { out, text: () => text, lines: () => text.split('\n').filter((l) => l !== '') };
}

async function withCoder(options: FakeCoderOptions = {}, budgetBytes?: number) {
  const coder = await startFakeCoder(options);
  onCleanup(() => coder.close());
  const console = capture();
  const builderLog = createBuilderLog({
    coder: { url: coder.url, token: coder.token, retry: FAST_RETRY, budgetBytes, flushIntervalMs: 50 },
    secrets: [GH_TOKEN],
    out: console.out,
  });
  onCleanup(() => builderLog.close(1_000));
  const streamed = () => coder.logsFor(DEV_CONTAINER_LOG_SOURCE.id).map((l) => l.output);
  return { coder, console, ...builderLog, streamed };
}

describe('createBuilderLog', () => {
  it('prints plain lines with time and level on the console', async () => {
    const console = capture();
    const { log, close } = createBuilderLog({ secrets: [], out: console.out });
    log.info('hello');
    log.warn('careful\nsecond line');
    await close(500);
    expect(console.lines()).toHaveLength(3);
    expect(console.lines()[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  hello$/);
    expect(console.lines()[1]).toMatch(/Z WARN  careful$/);
    expect(console.lines()[2]).toMatch(/Z WARN  second line$/);
  });

  it('drops lines below minLevel everywhere', async () => {
    const console = capture();
    const { log, close } = createBuilderLog({ secrets: [], out: console.out, minLevel: 'info' });
    log.debug('Run: noisy');
    log.info('kept');
    await close(500);
    expect(console.text()).not.toContain('noisy');
    expect(console.text()).toContain('kept');
  });

  it('sends the same lines to Coder and the console', async () => {
    const { log, close, console, streamed } = await withCoder();
    log.info('▶ Checkout');
    log.error('✘ Checkout failed');
    await close(3_000);
    expect(streamed()).toEqual(['▶ Checkout', '✘ Checkout failed']);
    expect(console.text()).toContain('INFO  ▶ Checkout');
    expect(console.text()).toContain('ERROR ✘ Checkout failed');
  });

  it('masks the agent token, the GitHub token and URL credentials in both sinks', async () => {
    const { coder, log, close, console, streamed } = await withCoder();
    const lines = [
      `env CODER_AGENT_TOKEN=${coder.token}`,
      `GH_TOKEN=${GH_TOKEN}`,
      `git clone https://x-access-token:${GH_TOKEN}@github.com/acme/app.git`,
      `curl https://${encodeURIComponent(GH_TOKEN)}@example.com/?t=${encodeURIComponent(coder.token)}`,
      `Authorization: Basic ${Buffer.from(`x-access-token:${GH_TOKEN}`).toString('base64')}`,
      `basic of the token alone ${Buffer.from(GH_TOKEN).toString('base64')}`,
      'https://alice:hunter22@registry.example.com/v2/',
      `coloured ${GH_TOKEN.slice(0, 10)}\u001b[0m${GH_TOKEN.slice(10)}`,
    ];
    for (const text of lines) log.info(text);
    await close(3_000);
    const everything = [console.text(), streamed().join('\n'), ...coder.requests.map((r) => r.body)].join('\n');
    expect(streamed()).toHaveLength(lines.length);
    for (const secret of [coder.token, GH_TOKEN, encodeURIComponent(GH_TOKEN), 'hunter22', Buffer.from(GH_TOKEN).toString('base64').replace(/=+$/, '')]) {
      expect(everything).not.toContain(secret);
    }
    expect(streamed()[0]).toBe('env CODER_AGENT_TOKEN=***');
    expect(streamed()[2]).toBe('git clone https://***@github.com/acme/app.git');
    expect(streamed()[6]).toBe('https://***@registry.example.com/v2/');
    expect(streamed()[7]).toBe('coloured ***');
    expect(console.text()).toContain('INFO  coloured ***\n');
  });

  it('keeps printing everything on the console after Coder answers 413', async () => {
    const { coder, log, close, console, streamed } = await withCoder({ limitBytes: 3_000 }, 1_000_000);
    const total = 400;
    for (let i = 0; i < total; i++) log.info(`step output ${i} ${'y'.repeat(30)}`);
    await close(3_000);
    expect(coder.overflowed).toBe(true);
    expect(streamed().length).toBeLessThan(total);
    const printed = console.lines().filter((l) => l.includes('step output'));
    expect(printed).toHaveLength(total);
    expect(console.text()).toMatch(/WARN  Coder's log limit for this workspace agent is used up/);
  });

  it('tells the console, not Coder, when lines were left out for the budget', async () => {
    const { log, close, console, streamed } = await withCoder({}, 4_000);
    for (let i = 0; i < 500; i++) log.info(`chatty ${i}`);
    await close(3_000);
    expect(console.text()).toContain('Coder log budget is running low');
    expect(streamed().some((o) => o.includes('budget is running low'))).toBe(false);
    expect(streamed().filter((o) => o.includes('lines left out'))).toHaveLength(1);
    expect(console.lines().filter((l) => l.includes('chatty'))).toHaveLength(500);
  });

  it('closes quickly when Coder is unreachable', async () => {
    const console = capture();
    const { log, close } = createBuilderLog({
      coder: { url: `http://127.0.0.1:${await closedPort()}`, token: '5f0c1d2e-3b4a-4c5d-9e8f-7a6b5c4d3e2f', retry: FAST_RETRY, flushIntervalMs: 50 },
      secrets: [],
      out: console.out,
    });
    log.info('nobody listens');
    const started = Date.now();
    await close(500);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(console.text()).toContain('nobody listens');
  });
});
