import { describe, expect, it } from 'vitest';
import { CoderApiError, HttpCoderLogApi } from '../../../builder/log/coder-api.js';
import { DEV_CONTAINER_LOG_SOURCE } from '../../../builder/log/coder-source.js';
import { startFakeCoder, type FakeCoder } from '../../support/fake-coder.js';
import { FAST_RETRY, closedPort, onCleanup } from './support.js';

const SOURCE = DEV_CONTAINER_LOG_SOURCE;
const entry = (output: string) => ({ created_at: new Date().toISOString(), output, level: 'info' as const });

async function fake(options: Parameters<typeof startFakeCoder>[0] = {}): Promise<FakeCoder> {
  const coder = await startFakeCoder(options);
  onCleanup(() => coder.close());
  return coder;
}

describe('HttpCoderLogApi', () => {
  it('registers the source (201, also when repeated) and patches logs with the session token header', async () => {
    const coder = await fake();
    const api = new HttpCoderLogApi({ url: `${coder.url}/`, token: coder.token, retry: FAST_RETRY });
    await api.postLogSource(SOURCE);
    await api.postLogSource(SOURCE);
    await api.patchLogs(SOURCE.id, [entry('hello')]);
    expect(coder.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/api/v2/workspaceagents/me/log-source', 201],
      ['POST', '/api/v2/workspaceagents/me/log-source', 201],
      ['PATCH', '/api/v2/workspaceagents/me/logs', 200],
    ]);
    expect(coder.requests[0]?.headers['coder-session-token']).toBe(coder.token);
    expect(coder.sources.get(SOURCE.id)).toEqual(SOURCE);
    expect(coder.logsFor(SOURCE.id).map((l) => l.output)).toEqual(['hello']);
  });

  it('retries 401 while the provision job is unfinished, then succeeds', async () => {
    const coder = await fake({ unauthorizedForMs: 300 });
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: FAST_RETRY });
    await api.postLogSource(SOURCE);
    const statuses = coder.requests.map((r) => r.status);
    expect(statuses.at(-1)).toBe(201);
    expect(statuses[0]).toBe(401);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
  });

  it('fails with kind unauthorized once the 401 window is over', async () => {
    const coder = await fake({ unauthorizedForMs: 60_000 });
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: { ...FAST_RETRY, unauthorizedForMs: 200 } });
    const started = Date.now();
    await expect(api.postLogSource(SOURCE)).rejects.toMatchObject({ name: 'CoderApiError', kind: 'unauthorized', status: 401 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries 5xx a bounded number of times', async () => {
    const coder = await fake();
    coder.failNext(503, 100);
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: FAST_RETRY });
    await expect(api.postLogSource(SOURCE)).rejects.toMatchObject({ kind: 'server', status: 503 });
    expect(coder.requests).toHaveLength(1 + (FAST_RETRY.retries ?? 0));
  });

  it('recovers when 5xx stops within the retries', async () => {
    const coder = await fake();
    coder.failNext(502, 2);
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: FAST_RETRY });
    await api.postLogSource(SOURCE);
    expect(coder.requests.map((r) => r.status)).toEqual([502, 502, 201]);
  });

  it('gives up on a closed port after bounded retries', async () => {
    const port = await closedPort();
    const api = new HttpCoderLogApi({ url: `http://127.0.0.1:${port}`, token: 'x', retry: FAST_RETRY });
    const started = Date.now();
    const error = await api.patchLogs(SOURCE.id, [entry('x')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoderApiError);
    expect(error).toMatchObject({ kind: 'network', status: undefined });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not retry 400 (empty logs) or 413 (limit)', async () => {
    const coder = await fake({ limitBytes: 10 });
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: FAST_RETRY });
    await api.postLogSource(SOURCE);
    await expect(api.patchLogs(SOURCE.id, [])).rejects.toMatchObject({ kind: 'rejected', status: 400, message: expect.stringContaining('No logs provided') });
    await expect(api.patchLogs(SOURCE.id, [entry('more than ten bytes')])).rejects.toMatchObject({ kind: 'limit', status: 413 });
    expect(coder.requests.map((r) => r.status)).toEqual([201, 400, 413]);
    expect(coder.overflowed).toBe(true);
  });

  it('never puts the token into an error message', async () => {
    const coder = await fake();
    const wrong = '11111111-2222-4333-8444-555555555555';
    const api = new HttpCoderLogApi({ url: coder.url, token: wrong, retry: { ...FAST_RETRY, unauthorizedForMs: 0 } });
    const error = (await api.postLogSource(SOURCE).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain(wrong);
    expect(error.message).toContain('401');
  });

  it('fails on a bad retry option, naming it', () => {
    expect(() => new HttpCoderLogApi({ url: 'http://x', token: 't', retry: { retries: -1 } })).toThrow('retry.retries must be a finite number ≥ 0, got -1 (number).');
  });

  it('abandons a request Coder does not answer after requestTimeoutMs, as a network failure', async () => {
    const coder = await fake();
    coder.hang(true);
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: { ...FAST_RETRY, retries: 0, requestTimeoutMs: 150 } });
    await expect(api.postLogSource(SOURCE)).rejects.toMatchObject({ kind: 'network', message: expect.stringContaining('timed out after 150 ms') });
  });

  it('stops a hanging request at once when the caller cancels', async () => {
    const coder = await fake();
    coder.hang(true);
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: { ...FAST_RETRY, requestTimeoutMs: 60_000 } });
    const controller = new AbortController();
    const call = api.patchLogs(SOURCE.id, [entry('x')], controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(call).rejects.toThrow(/cancelled|abort/i);
  });

  it('reuses one kept-alive connection for consecutive calls', async () => {
    const coder = await fake();
    const api = new HttpCoderLogApi({ url: coder.url, token: coder.token, retry: FAST_RETRY });
    await api.postLogSource(SOURCE);
    for (let i = 0; i < 5; i++) await api.patchLogs(SOURCE.id, [entry(`line ${i}`)]);
    expect(coder.logsFor(SOURCE.id).map((l) => l.output)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(new Set(coder.requests.map((r) => r.headers.connection))).toEqual(new Set(['keep-alive']));
  });
});
