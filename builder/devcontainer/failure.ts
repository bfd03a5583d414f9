import type { UpResult } from './result.js';

/** What went wrong in a `devcontainer` run, in words for the user. */
export interface CliFailure {
  /** `build`, a lifecycle command such as `postCreateCommand`, or `devcontainer <command>`. */
  readonly step: string;
  readonly message: string;
}

/**
 * Describe a failed CLI run. The failing step comes from the events (a failed
 * lifecycle progress, an unfinished build), else from the result's
 * description, else it is the CLI command itself.
 */
export function describeFailure(options: {
  command: string;
  result: UpResult | undefined;
  failedStep: string | undefined;
  exitCode: number;
}): CliFailure {
  const { command, result, exitCode } = options;
  const description = result?.outcome === 'error' ? result.description || result.message : undefined;
  let step = options.failedStep;
  if (!step && description && /building the image/i.test(description)) step = 'build';
  if (!step && description) step = /\b(\w+Command)\b/.exec(description)?.[1];
  step ??= `devcontainer ${command}`;
  const what = step === 'build'
    ? 'The dev container image build failed'
    : step.endsWith('Command')
      ? `The dev container's ${step} failed`
      : `${step} failed`;
  const why = description ?? (result ? undefined : `the CLI exited with code ${exitCode} without a result line`);
  const more = result?.outcome === 'error' && result.learnMoreUrl ? ` (see ${result.learnMoreUrl})` : '';
  return { step, message: `${what}${why ? `: ${why}` : '.'}${more}` };
}
