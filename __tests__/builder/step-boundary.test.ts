import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../builder/deadline.js';
import { BuilderError, CheckoutError } from '../../builder/errors.js';
import { Logger } from '../../builder/log/logger.js';
import { MemorySink } from '../../builder/log/memory-sink.js';
import { run } from '../../builder/process.js';
import { causeChain, inStep, toBuilderError } from '../../builder/step-boundary.js';

const log = () => new Logger(new MemorySink());
const caught = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);

describe('issue 12.1: toBuilderError turns whatever a step throws into a BuilderError naming the step', () => {
  it('a timed-out command: kind timeout, its last lines kept', async () => {
    const error = toBuilderError('checkout', await caught(run(log(), 'sh', ['-c', 'echo working; sleep 10'], { timeoutMs: 300 })), 'git fetch');
    expect(error).toBeInstanceOf(BuilderError);
    expect(error).toMatchObject({ step: 'checkout', kind: 'timeout', exitCode: 1, message: 'git fetch: sh timed out after 300 ms', lastLines: ['working'] });
  });

  it('a cancelled command: kind cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = toBuilderError('agent', await caught(run(log(), 'sleep', ['10'], { signal: controller.signal })));
    expect(error).toMatchObject({ step: 'agent', kind: 'cancelled', message: 'sleep was cancelled' });
  });

  it('a program that does not exist: kind spawn, with the errno code', async () => {
    const error = toBuilderError('wait-for-docker', await caught(run(log(), '/nonexistent/docker', ['info'])));
    expect(error).toMatchObject({ step: 'wait-for-docker', kind: 'spawn', message: '/nonexistent/docker could not start (spawn /nonexistent/docker ENOENT)' });
  });

  it('a full disk (real ENOSPC from /dev/full): kind no-space, with advice', async () => {
    const error = toBuilderError('record-state', await caught(writeFile('/dev/full', 'x')), 'Could not record the builder state');
    expect(error).toMatchObject({ step: 'record-state', kind: 'no-space' });
    expect(error.message).toBe('Could not record the builder state: ENOSPC: no space left on device, write; the volume is full: free space on it (or make it larger) and restart the workspace');
  });

  it('AbortSignal errors: TimeoutError is a timeout, AbortError a cancel', async () => {
    const timeout = AbortSignal.timeout(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(toBuilderError('agent', timeout.reason).kind).toBe('timeout');
    const controller = new AbortController();
    controller.abort();
    expect(toBuilderError('agent', controller.signal.reason).kind).toBe('cancelled');
  });

  it('a BuilderError passes through with its own step; inStep converts, causeChain names causes without a stack', async () => {
    const own = new CheckoutError('no such branch');
    expect(toBuilderError('devcontainer-up', own)).toBe(own);
    const error = await caught(inStep('checkout', () => Promise.reject(new TypeError('x is not a function')), 'Checkout'));
    expect(error).toMatchObject({ step: 'checkout', kind: 'failed', message: 'Checkout: x is not a function' });
    expect(causeChain(error as Error)).toEqual(['TypeError: x is not a function']);
  });
});

describe('issue 12.2: Deadline', () => {
  it('cuts every step budget to what is left, never below 1 ms', () => {
    let now = 0;
    const deadline = new Deadline(10_000, () => now);
    expect(deadline.budget(120_000)).toBe(10_000);
    expect(deadline.budget(2000)).toBe(2000);
    now = 9000;
    expect(deadline.budget(2000)).toBe(1000);
    expect(deadline.budget()).toBe(1000);
    now = 20_000;
    expect(deadline.expired).toBe(true);
    expect(deadline.budget(2000)).toBe(1);
  });
});
