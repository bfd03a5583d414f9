import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeCoder, type FakeCoder, type FakeCoderOptions } from '../../support/fake-coder.js';
import { onCleanup } from './support.js';

// The fake stands in for coderd in other tests too (end-to-end harness): these
// pin that it enforces the contract instead of accepting anything.
const SOURCE = { id: '1a02c755-957a-4887-ba1f-72fa21a4ac7d', display_name: 'Dev Container', icon: '/icon/docker.png' };

async function fake(options: FakeCoderOptions = {}): Promise<FakeCoder> {
  const coder = await startFakeCoder(options);
  onCleanup(() => coder.close());
  return coder;
}

/** `token: null` sends no token header. */
async function call(coder: FakeCoder, method: string, path: string, body?: unknown, token: string | null = coder.token) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers['Coder-Session-Token'] = token;
  const res = await fetch(coder.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

const patch = (coder: FakeCoder, logs: unknown[], sourceId = SOURCE.id) =>
  call(coder, 'PATCH', '/api/v2/workspaceagents/me/logs', { log_source_id: sourceId, logs });
const at = new Date().toISOString();

describe('fake Coder', () => {
  it('rejects a missing, malformed or wrong token with 401', async () => {
    const coder = await fake();
    const path = '/api/v2/workspaceagents/me/log-source';
    expect((await call(coder, 'POST', path, SOURCE, null)).status).toBe(401);
    expect((await call(coder, 'POST', path, SOURCE, 'not-a-uuid')).status).toBe(401);
    expect((await call(coder, 'POST', path, SOURCE, '11111111-2222-4333-8444-555555555555')).status).toBe(401);
    expect((await call(coder, 'POST', path, SOURCE)).status).toBe(201);
  });

  it('answers 401 during the provision window, then accepts the token', async () => {
    const coder = await fake({ unauthorizedForMs: 200 });
    expect((await call(coder, 'POST', '/api/v2/workspaceagents/me/log-source', SOURCE)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await call(coder, 'POST', '/api/v2/workspaceagents/me/log-source', SOURCE)).status).toBe(201);
  });

  it('enforces the PATCH rules: empty logs and bad levels 400, unknown source 500', async () => {
    const coder = await fake();
    await call(coder, 'POST', '/api/v2/workspaceagents/me/log-source', SOURCE);
    expect((await patch(coder, [])).status).toBe(400);
    expect((await patch(coder, [{ created_at: at, output: 'x', level: 'warning' }])).status).toBe(400);
    expect((await patch(coder, [{ created_at: 'yesterday', output: 'x', level: 'info' }])).status).toBe(400);
    expect((await patch(coder, [{ created_at: at, output: 'x', level: 'info' }], '22222222-2222-4222-8222-222222222222')).status).toBe(500);
    expect((await patch(coder, [{ created_at: at, output: 'ok', level: '' }])).status).toBe(200);
    expect(coder.logsFor(SOURCE.id)).toEqual([{ created_at: at, output: 'ok', level: 'info' }]);
  });

  it('cuts outputs to 1024 characters and counts UTF-8 bytes against the limit, with 413 for a batch that does not fit', async () => {
    const coder = await fake({ limitBytes: 3_000 });
    await call(coder, 'POST', '/api/v2/workspaceagents/me/log-source', SOURCE);
    expect((await patch(coder, [{ created_at: at, output: 'é'.repeat(1_200), level: 'info' }])).status).toBe(200);
    expect(coder.logsFor(SOURCE.id)[0]?.output).toBe('é'.repeat(1_024));
    expect(coder.truncated).toBe(1);
    expect(coder.usedBytes).toBe(2_400);
    // 2400 + 601 > 3000: the whole batch is refused, nothing of it stored.
    expect((await patch(coder, [{ created_at: at, output: 'a', level: 'info' }, { created_at: at, output: 'b'.repeat(600), level: 'info' }])).status).toBe(413);
    expect(coder.logsFor(SOURCE.id)).toHaveLength(1);
    // Like coderd, a later batch that still fits is stored; one that does not gets 413 again.
    expect((await patch(coder, [{ created_at: at, output: 'b'.repeat(601), level: 'info' }])).status).toBe(413);
    expect((await patch(coder, [{ created_at: at, output: 'a', level: 'info' }])).status).toBe(200);
    expect(coder.logsFor(SOURCE.id)).toHaveLength(2);
    expect(coder.overflowed).toBe(true);
  });

  it('serves the agent binary and records reports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-coder-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const binary = join(dir, 'coder');
    await writeFile(binary, '#!/bin/sh\necho agent\n');
    const coder = await fake({ agentBinary: binary });
    for (const arch of ['amd64', 'arm64']) {
      const res = await fetch(`${coder.url}/bin/coder-linux-${arch}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('#!/bin/sh\necho agent\n');
    }
    expect(coder.requests.map((r) => r.path)).toEqual(['/bin/coder-linux-amd64', '/bin/coder-linux-arm64']);
    expect((await call(coder, 'POST', '/report', { user: 'vscode', agents: 1 }, null)).status).toBe(200);
    expect(coder.reports).toEqual([{ user: 'vscode', agents: 1 }]);
  });
});
