import { BuilderError, isBuilderError, type BuilderStep, type FailureKind } from './errors.js';
import { ProcessError } from './process.js';

/**
 * What became of a failure that is not a {@link BuilderError} yet: a
 * `ProcessError` (timeout, cancel, spawn failure, non-zero exit), an
 * `AbortSignal`'s `AbortError` or `TimeoutError`, a file system error
 * (`ENOSPC`), or anything else thrown below a step.
 */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof ProcessError) {
    if (error.timedOut) return 'timeout';
    if (error.cancelled) return 'cancelled';
    // No exit code and no signal: the program never ran (ENOENT, EACCES).
    if (error.exitCode === undefined && error.signal === undefined) return 'spawn';
    return 'failed';
  }
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  if (name === 'TimeoutError') return 'timeout';
  if (name === 'AbortError') return 'cancelled';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'no-space';
  return 'failed';
}

const ADVICE: Partial<Record<FailureKind, string>> = {
  'no-space': 'the volume is full: free space on it (or make it larger) and restart the workspace',
};

/** The message of any thrown value, one line per cause, without a stack. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

/**
 * `error` as a {@link BuilderError} of `step`: a BuilderError passes
 * through unchanged (it already names its step); anything else keeps its
 * message (prefixed with `what`, what the step was doing), its kind, the
 * command's last output lines and the original as `cause`.
 */
export function toBuilderError(step: BuilderStep, error: unknown, what?: string): BuilderError {
  if (isBuilderError(error)) return error;
  const kind = failureKind(error);
  const advice = ADVICE[kind];
  const message = [what, describeError(error)].filter(Boolean).join(': ') + (advice ? `; ${advice}` : '');
  return new BuilderError(step, message, { cause: error, kind, lastLines: error instanceof ProcessError ? error.tail : [] });
}

/** Run one step: whatever leaves it is a {@link BuilderError} naming `step`. */
export async function inStep<T>(step: BuilderStep, task: () => Promise<T>, what?: string): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw toBuilderError(step, error, what);
  }
}

/** The causes below `error`, outermost first, each as `name: message` (no stack), at most 5. */
export function causeChain(error: Error): string[] {
  const out: string[] = [];
  for (let cause = error.cause; cause !== undefined && out.length < 5; cause = cause instanceof Error ? cause.cause : undefined) {
    out.push((cause instanceof Error ? `${cause.name}: ${describeError(cause)}` : String(cause)).split("\n")[0]!);
  }
  return out;
}
