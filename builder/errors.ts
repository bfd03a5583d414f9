import type { Fingerprints } from './devcontainer/fingerprint.js';
import type { ReplacementAttempt } from './devcontainer/replacement-attempt.js';

/**
 * The pipeline step a failure belongs to; it names the failure for the user
 * and is what `up` decides on (only a `devcontainer-up` failure recovers).
 * A command name (`up`, `agent`, `run`) stands for a failure outside any step.
 */
export type BuilderStep = 'config' | 'wait-for-docker' | 'checkout' | 'devcontainer-up' | 'record-state' | 'agent' | 'fallback' | 'up' | 'run';

/**
 * How the step failed: a command that `timeout`ed, was `cancelled` (a
 * signal), could not `spawn`, the disk that had `no-space` left, or plainly `failed`.
 */
export type FailureKind = 'failed' | 'timeout' | 'cancelled' | 'spawn' | 'no-space';

/** Which part of the dev container step failed (recorded as `degraded.kind`). */
export type UpPhase = 'configuration' | 'build' | 'up' | 'lifecycle';

/** What a {@link BuilderError} carries besides its message. */
export interface BuilderErrorOptions {
  readonly cause?: unknown;
  /** The builder's exit code. @default 1 */
  readonly exitCode?: number;
  /** @default 'failed' */
  readonly kind?: FailureKind;
  readonly lastLines?: readonly string[];
  /** @default - not a dev container step failure, or unknown */
  readonly phase?: UpPhase;
  /** The configuration a container created in the failed step was made from. @default - none created */
  readonly fingerprint?: Fingerprints;
  /** The replacement that failed: the old container is stopped and must be started again. @default - no replacement under way */
  readonly attempt?: ReplacementAttempt;
}

/**
 * Every failure that leaves a step. `cli.ts` is the only catch: it prints
 * one final line naming the step with `message` (never a stack), then
 * `lastLines` of the failing command, and exits with `exitCode`.
 * Decisions (recovery, retry) read `step`, `kind` and `phase`, never the class.
 */
export class BuilderError extends Error {
  override readonly name: string = 'BuilderError';
  readonly step: BuilderStep;
  readonly exitCode: number;
  readonly kind: FailureKind;
  /** The last lines of the failing command's output, already masked. */
  readonly lastLines: readonly string[];
  readonly phase?: UpPhase;
  readonly fingerprint?: Fingerprints;
  readonly attempt?: ReplacementAttempt;

  constructor(step: BuilderStep, message: string, options: BuilderErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.step = step;
    this.exitCode = options.exitCode ?? 1;
    this.kind = options.kind ?? 'failed';
    this.lastLines = options.lastLines ?? [];
    this.phase = options.phase;
    this.fingerprint = options.fingerprint;
    this.attempt = options.attempt;
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

type StepErrorOptions = Omit<BuilderErrorOptions, 'exitCode'>;

/**
 * A BuilderError class bound to one step: shorthand for
 * `new BuilderError(step, …)`. Decisions read `step`, never the class.
 */
function errorOfStep(step: BuilderStep, name: string) {
  return class extends BuilderError {
    override readonly name = name;
    constructor(message: string, options: StepErrorOptions = {}) {
      super(step, message, options);
    }
  };
}

export const DockerUnavailableError = errorOfStep('wait-for-docker', 'DockerUnavailableError');
export type DockerUnavailableError = InstanceType<typeof DockerUnavailableError>;
export const CheckoutError = errorOfStep('checkout', 'CheckoutError');
export type CheckoutError = InstanceType<typeof CheckoutError>;
export const DevcontainerUpError = errorOfStep('devcontainer-up', 'DevcontainerUpError');
export type DevcontainerUpError = InstanceType<typeof DevcontainerUpError>;
export const AgentError = errorOfStep('agent', 'AgentError');
export type AgentError = InstanceType<typeof AgentError>;

export function isBuilderError(value: unknown): value is BuilderError {
  return value instanceof Error && value instanceof BuilderError;
}
