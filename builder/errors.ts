/** The pipeline step a failure belongs to; it names the failure for the user. */
export type BuilderStep = 'config' | 'wait-for-docker' | 'checkout' | 'devcontainer-up' | 'agent' | 'fallback';

/**
 * A failure the builder reports to the user. `cli.ts` is the only catch: it
 * prints `message` (plus `lastLines` of the failing command) and exits with `exitCode`.
 */
export class BuilderError extends Error {
  override readonly name: string = 'BuilderError';
  readonly step: BuilderStep;
  readonly exitCode: number;
  /** The last lines of the failing command's output, already masked. */
  readonly lastLines: readonly string[];

  constructor(step: BuilderStep, message: string, options: { cause?: unknown; exitCode?: number; lastLines?: readonly string[] } = {}) {
    super(message, { cause: options.cause });
    this.step = step;
    this.exitCode = options.exitCode ?? 1;
    this.lastLines = options.lastLines ?? [];
  }
}

/** Missing or malformed settings: exit 2, one message naming every problem. */
export class ConfigError extends BuilderError {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('config', `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`, { exitCode: 2 });
    this.problems = problems;
  }
}

type StepErrorOptions = { cause?: unknown; lastLines?: readonly string[] };

export class DockerUnavailableError extends BuilderError {
  override readonly name = 'DockerUnavailableError';
  constructor(message: string, options: StepErrorOptions = {}) { super('wait-for-docker', message, options); }
}
export class CheckoutError extends BuilderError {
  override readonly name = 'CheckoutError';
  constructor(message: string, options: StepErrorOptions = {}) { super('checkout', message, options); }
}
export class DevcontainerUpError extends BuilderError {
  override readonly name = 'DevcontainerUpError';
  constructor(message: string, options: StepErrorOptions = {}) { super('devcontainer-up', message, options); }
}
export class AgentError extends BuilderError {
  override readonly name = 'AgentError';
  constructor(message: string, options: StepErrorOptions = {}) { super('agent', message, options); }
}

export function isBuilderError(value: unknown): value is BuilderError {
  return value instanceof Error && value instanceof BuilderError;
}
