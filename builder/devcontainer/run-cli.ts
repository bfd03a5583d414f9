import type { Logger } from '../log/logger.js';
import { ProcessError, run } from '../process.js';
import { dockerEnv } from '../docker/client.js';
import { CliOutput, type CliTimings } from './output.js';
import { parseResultLine, type UpResult } from './result.js';

/** How to start the Dev Containers CLI. */
export interface CliRunOptions {
  /** @default 'devcontainer' (the builder image has it on PATH) */
  readonly bin?: string;
  /** Passed to the CLI (and its docker calls) as `DOCKER_HOST`. @default - inherited */
  readonly dockerHost?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** What one CLI run produced. */
export interface CliRun {
  readonly exitCode: number;
  readonly result: UpResult | undefined;
  readonly stdout: string;
  readonly failedStep: string | undefined;
  readonly lastLines: readonly string[];
  readonly timings: CliTimings;
  readonly durationMs: number;
}

/**
 * Run the Dev Containers CLI with `--log-format json` arguments, turning its
 * stderr events into log lines as they arrive and parsing its result line.
 * Does not throw on a non-zero exit: callers trust the result's `outcome`.
 * A timeout or a failure to start still throws `ProcessError`.
 */
export async function runDevcontainerCli(log: Logger, args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  const output = new CliOutput(log);
  const stdout: string[] = [];
  const started = performance.now();
  let exitCode: number;
  try {
    const result = await run(log, options.bin ?? 'devcontainer', args, {
      env: dockerEnv(options.dockerHost),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onLine: (line, stream) => {
        if (stream === 'stderr') output.stderrLine(line);
        else stdout.push(line);
      },
    });
    exitCode = result.exitCode;
  } catch (error) {
    // A plain non-zero exit is an answer (the result line says more);
    // a timeout, a kill or a failure to start is not.
    if (!(error instanceof ProcessError) || error.exitCode === undefined || error.timedOut || error.signal) throw error;
    exitCode = error.exitCode;
  } finally {
    output.end();
  }
  const text = stdout.join('\n');
  return {
    exitCode,
    result: parseResultLine(text),
    stdout: text,
    failedStep: output.failedStep,
    lastLines: output.lastLines,
    timings: output.timings,
    durationMs: Math.round(performance.now() - started),
  };
}
