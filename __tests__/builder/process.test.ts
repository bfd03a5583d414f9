import { describe, expect, it } from 'vitest';
import { Logger } from '../../builder/log/logger.js';
import { MemorySink } from '../../builder/log/memory-sink.js';
import { LOG_RESULT_CHARS, PASS_ENV, ProcessError, QUIET_MAX_CHARS, run } from '../../builder/process.js';
import type { LogLine, LogSink } from '../../builder/log/log-line.js';

function logger() {
  const sink = new MemorySink();
  return { log: new Logger(sink), sink };
}

describe('run', () => {
  it('streams stdout and stderr line by line into the log and returns both', async () => {
    const { log, sink } = logger();
    const result = await run(log, 'sh', ['-c', 'echo one; echo two >&2; printf three']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('one\nthree');
    expect(result.stderr).toBe('two');
    expect(sink.texts).toEqual(expect.arrayContaining(['one', 'two', 'three']));
    expect(sink.texts[0]).toBe('Run: sh -c echo one; echo two >&2; printf three');
  });

  it('hands each line to an onLine callback with its stream instead of logging it', async () => {
    const { log, sink } = logger();
    const seen: string[] = [];
    await run(log, 'sh', ['-c', 'echo out; echo err >&2'], { onLine: (line, stream) => seen.push(`${stream}:${line}`) });
    expect(seen.sort()).toEqual(['stderr:err', 'stdout:out']);
    expect(sink.texts).not.toContain('out');
  });

  it('issue 13.5: lines handed to onLine are not kept whole in memory, only the bounded tail', async () => {
    const { log } = logger();
    let count = 0;
    let bytes = 0;
    // 200,000 lines of 100 characters: 20 MB that a buffering runner would hold twice (stdout and the tail).
    const result = await run(log, 'sh', ['-c', 'yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | head -n 200000'], {
      onLine: (line) => { count += 1; bytes += line.length; },
      tailLines: 3,
    });
    expect(count).toBe(200_000);
    expect(bytes).toBe(200_000 * 100);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
    expect(result.tail).toHaveLength(3);
  });

  it('issue 13.5: a command streamed to the log keeps only the end of its output in the result, never all of it', async () => {
    // Counts what reaches the log without keeping it, so only run() could hold the output.
    let logged = 0;
    const counting: LogSink = { write: (line: LogLine) => { if (line.text.startsWith('line ')) logged += 1; }, flush: async () => {} };
    // 100,000 lines of ~110 characters on each stream: 11 MB each that a buffering runner would keep.
    const script = 'gen() { yes "$(printf %0100d 0)" | head -n 100000 | sed "s/^/line /"; }; gen; gen >&2; echo last-line';
    const result = await run(new Logger(counting), 'sh', ['-c', script], { tailLines: 5 });
    expect(logged).toBe(200_000);
    for (const text of [result.stdout, result.stderr]) {
      expect(text.length).toBeLessThanOrEqual(LOG_RESULT_CHARS);
      expect(text.length).toBeGreaterThan(LOG_RESULT_CHARS / 2);
      // Whole lines: the kept text starts at a line's beginning.
      expect(text.startsWith('line 0')).toBe(true);
    }
    expect(result.stdout.endsWith('\nlast-line')).toBe(true);
    expect(result.tail).toHaveLength(5);
  });

  it('issue 13.5: a quiet command keeps its output whole for the caller, and fails rather than grow past the bound', async () => {
    const { log, sink } = logger();
    const small = await run(log, 'sh', ['-c', 'echo a; echo; echo c; echo e >&2'], { onLine: 'quiet' });
    expect([small.stdout, small.stderr]).toEqual(['a\n\nc', 'e']);
    // A little more than QUIET_MAX_CHARS on stdout (lines of 1,024 characters).
    const lines = Math.ceil(QUIET_MAX_CHARS / 1025) + 10;
    const big = run(log, 'sh', ['-c', `yes "$(printf %01024d 0)" | head -n ${lines}`], { onLine: 'quiet', allowFailure: true });
    await expect(big).rejects.toMatchObject({ name: 'ProcessError', message: expect.stringContaining('printed more than') });
    expect(sink.texts.some((t) => t.startsWith('0000'))).toBe(false);
  });

  it('issue 11.4: a child starts from an allow-listed environment, never the builder\'s secrets', async () => {
    const { log } = logger();
    const saved = { ...process.env };
    Object.assign(process.env, { CODER_AGENT_TOKEN: 'tok', GH_TOKEN: 'gh', DOCKER_CONFIG: '/cfg', DEVCONTAINER_REPOSITORY: 'https://x/y.git', KUBERNETES_SERVICE_HOST: '10.0.0.1', LC_ALL: 'C.UTF-8', DOCKER_HOST: 'unix:///d.sock', E2E_EXTRA: 'passed' });
    try {
      const names = async () => (await run(log, 'sh', ['-c', 'env | cut -d= -f1 | sort'], { env: { GIVEN: '1' } })).stdout.split('\n');
      const seen = await names();
      for (const name of ['CODER_AGENT_TOKEN', 'GH_TOKEN', 'DOCKER_CONFIG', 'DEVCONTAINER_REPOSITORY', 'KUBERNETES_SERVICE_HOST', 'E2E_EXTRA']) expect(seen).not.toContain(name);
      for (const name of ['PATH', 'LC_ALL', 'DOCKER_HOST', 'GIVEN']) expect(seen).toContain(name);
      // The operator may pass more names explicitly.
      process.env[PASS_ENV] = 'E2E_EXTRA';
      expect(await names()).toContain('E2E_EXTRA');
    } finally {
      process.env = saved;
    }
  });

  it('fails with the exit code and the last lines of output', async () => {
    const { log } = logger();
    const error = await run(log, 'sh', ['-c', 'for i in 1 2 3 4 5; do echo line$i; done; exit 3'], { tailLines: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    expect(error).toMatchObject({ message: 'sh exited with code 3', exitCode: 3, timedOut: false, tail: ['line4', 'line5'] });
  });

  it('resolves with the exit code when a failure is allowed', async () => {
    const { log } = logger();
    const result = await run(log, 'sh', ['-c', 'exit 4'], { allowFailure: true });
    expect(result.exitCode).toBe(4);
  });

  it('fails clearly when the program does not exist', async () => {
    const { log } = logger();
    await expect(run(log, 'no-such-program-here', [])).rejects.toThrow(/^no-such-program-here could not start \(.*ENOENT/);
  });

  it('feeds input on stdin, never on the command line', async () => {
    const { log, sink } = logger();
    const result = await run(log, 'sh', ['-c', 'read secret; echo "got ${#secret} chars"'], { input: 's3cr3t-value\n' });
    expect(result.stdout).toBe('got 12 chars');
    expect(sink.texts.join('\n')).not.toContain('s3cr3t-value');
  });

  // A grandchild holding the output pipes (git-remote-http under git, for
  // example) must not keep a timed-out command alive.
  it('ends the whole process group on timeout, grandchildren included', async () => {
    const { log } = logger();
    const started = Date.now();
    const error = await run(log, 'sh', ['-c', 'sleep 120 & sleep 120'], { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    expect(error).toMatchObject({ timedOut: true, message: 'sh timed out after 300 ms' });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('ends the whole process group when cancelled', async () => {
    const { log } = logger();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await run(log, 'sh', ['-c', 'sleep 120 & sleep 120'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'sh was cancelled', timedOut: false });
  });

  it('cancels at once a command whose signal is already aborted', async () => {
    const { log } = logger();
    const controller = new AbortController();
    controller.abort();
    await expect(run(log, 'sh', ['-c', 'sleep 120'], { signal: controller.signal })).rejects.toThrow('sh was cancelled');
  });
});
