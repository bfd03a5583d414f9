import { formatDuration, Logger } from '../log/logger.js';
import type { LogLine } from '../log/log-line.js';
import { inspectContainers } from '../docker/client.js';
import { runUserCommandsArgs } from '../devcontainer/args.js';
import { describeFailure } from '../devcontainer/failure.js';
import { runDevcontainerCli } from '../devcontainer/run-cli.js';
import { commandsAfter, DEFAULT_WAIT_FOR, LIFECYCLE_COMMANDS, lifecyclePlan, ONCE_PER_CONTAINER, type LifecycleCommand } from '../devcontainer/wait-for.js';
import { describeError } from '../step-boundary.js';

// devcontainers/cli src/spec-node/imageMetadata.ts (imageMetadataLabel).
const METADATA_LABEL = 'devcontainer.metadata';

/** The lifecycle commands `up` left for later: what `agent` runs in the background. */
export interface PendingLifecycle {
  /** The container's effective `waitFor`. */
  readonly waitFor: string;
  /** The commands after it (LIFECYCLE_COMMANDS names), in run order; empty when nothing is left. */
  readonly pending: readonly string[];
}

/** What {@link pendingLifecycle} needs. */
export interface PendingLifecycleOptions {
  readonly log: Logger;
  readonly containerId: string;
  readonly dockerHost?: string;
  readonly signal?: AbortSignal;
  /**
   * The container's once-per-container commands (onCreate, updateContent,
   * postCreate) already had their run: a plain restart of a container whose
   * background run ended. They are left out, so a restart with only a
   * postCreateCommand spawns no CLI at all. @default false
   */
  readonly createTimeDone?: boolean;
}

/**
 * Which lifecycle commands `up --skip-non-blocking-commands` left for later
 * in this container, from its `devcontainer.metadata` label (one `docker
 * inspect`; builder/devcontainer/wait-for.ts). Never throws: without the
 * label it assumes the default `waitFor` and every command after it (the
 * CLI's markers keep a second run of a once-per-container command away).
 */
export async function pendingLifecycle(options: PendingLifecycleOptions): Promise<PendingLifecycle> {
  const { log } = options;
  let label: string | undefined;
  try {
    const [inspected] = await inspectContainers<{ Config?: { Labels?: Record<string, string> | null } }>({ log, dockerHost: options.dockerHost, signal: options.signal }, [options.containerId]);
    label = inspected?.Config?.Labels?.[METADATA_LABEL];
  } catch (error) {
    log.warn(`Could not read the dev container's lifecycle commands (${describeError(error)}): the ones after ${DEFAULT_WAIT_FOR} run in the background.`);
    return { waitFor: DEFAULT_WAIT_FOR, pending: commandsAfter(DEFAULT_WAIT_FOR) };
  }
  const plan = lifecyclePlan(label);
  const pending = plan.after.filter((name) => !(options.createTimeDone && ONCE_PER_CONTAINER.has(name)));
  return { waitFor: plan.waitFor, pending };
}

/** What {@link runBackgroundLifecycle} needs. */
export interface BackgroundLifecycleOptions extends PendingLifecycle {
  readonly log: Logger;
  readonly workspaceFolder: string;
  /** The `--config` of `up` (absolute). @default - the CLI's lookup */
  readonly configFile?: string;
  readonly containerId: string;
  /** The container's generation (its id labels). @default 0 */
  readonly generation?: number;
  readonly dockerHost?: string;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
  /** The command's signal (SIGTERM): the CLI is stopped, the run reported as interrupted. */
  readonly signal: AbortSignal;
  /** Bound on the whole run. */
  readonly timeoutMs: number;
  /** `agent` runs it alongside the Coder agent; `run` without an agent waits for it. @default true */
  readonly background?: boolean;
}

/** How the run ended. */
export interface BackgroundLifecycleResult {
  readonly outcome: 'success' | 'failed' | 'interrupted';
  /** The command that failed or was running when the stop came. @default - none known */
  readonly command?: string;
  readonly durationMs: number;
}

/**
 * Run the lifecycle commands after `waitFor` with `devcontainer
 * run-user-commands`: the CLI runs what its markers do not mark as done
 * (once-per-container commands of this container, postStartCommand of this
 * start) and always postAttachCommand (devcontainers/cli
 * src/spec-common/injectHeadless.ts, runLifecycleHooks). The output goes to
 * `log`, the "Dev Container" log in Coder. Never rejects: a failure or a stop
 * is a warning there, naming the command and what to do, and never touches
 * the Coder agent.
 */
export async function runBackgroundLifecycle(options: BackgroundLifecycleOptions): Promise<BackgroundLifecycleResult> {
  const { log, signal } = options;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const watch = new RunningCommand(log);
  const interrupted = (command: string | undefined): BackgroundLifecycleResult => {
    log.warn(`⚠ The stop interrupted the lifecycle commands${command ? ` (${command} was running)` : ''} after ${formatDuration(elapsed())}. ${interruptedAdvice(command)}`);
    return { outcome: 'interrupted', command, durationMs: elapsed() };
  };
  const where = options.background === false ? '' : ' in the background (the workspace is usable meanwhile)';
  log.info(`▶ Lifecycle commands after waitFor (${options.waitFor})${where}: ${options.pending.join(', ')}`);
  try {
    const cli = await runDevcontainerCli(watch.log, runUserCommandsArgs(options.workspaceFolder, options.generation, options.containerId, options.configFile), {
      bin: options.devcontainerBin, dockerHost: options.dockerHost, signal, timeoutMs: options.timeoutMs,
    });
    // run-user-commands prints `{"outcome":"success"}`: the result line is the verdict.
    if (cli.result?.outcome === 'success') {
      log.info(`✔ Lifecycle commands (${options.pending.join(', ')}) finished (${formatDuration(elapsed())})`);
      return { outcome: 'success', durationMs: elapsed() };
    }
    // Stopped by the signal: the CLI may exit on its own SIGTERM handling rather than be killed.
    if (signal.aborted) return interrupted(watch.running);
    const failure = describeFailure({ command: 'run-user-commands', result: cli.result, failedStep: cli.failedStep, exitCode: cli.exitCode });
    const command = LIFECYCLE_COMMANDS.find((c) => c === failure.step);
    log.warn(`⚠ ${failure.message}`);
    for (const line of cli.lastLines.slice(-15)) log.warn(`  | ${line}`);
    log.warn(`⚠ The workspace keeps running without it (the Coder agent is not affected). ${rerunAdvice(command)}`);
    return { outcome: 'failed', command, durationMs: elapsed() };
  } catch (error) {
    const command = watch.running;
    if (signal.aborted) return interrupted(command);
    log.warn(`⚠ The lifecycle commands${command ? ` (${command} was running)` : ''} did not finish: ${describeError(error)}. The workspace keeps running without them (the Coder agent is not affected). ${rerunAdvice(command)}`);
    return { outcome: 'failed', command, durationMs: elapsed() };
  }
}

/** What the user can do about a failed lifecycle command. */
export function rerunAdvice(command: string | undefined): string {
  const what = command ?? 'the failing command';
  if (command !== undefined && ONCE_PER_CONTAINER.has(command as LifecycleCommand)) {
    return `Fix ${what} in .devcontainer/devcontainer.json. The Dev Containers CLI runs it once per container, so a restart does not run it again: run it by hand in a terminal of the workspace, or restart with rebuild=true (coder restart <workspace> --ephemeral-parameter rebuild=true) to run it in a new container.`;
  }
  return `Fix ${what} in .devcontainer/devcontainer.json (or the script it calls) and restart the workspace: it runs again at every start.`;
}

/** What a stop mid-run means for the command that was running. */
export function interruptedAdvice(command: string | undefined): string {
  if (command !== undefined && ONCE_PER_CONTAINER.has(command as LifecycleCommand)) {
    return `The Dev Containers CLI marks ${command} as done when it starts it, so the next start does not run it again: run it by hand in a terminal of the workspace, or restart with rebuild=true.`;
  }
  return 'They run again at the next start.';
}

/**
 * A logger passing every line on to `log` while noting which lifecycle
 * command runs: `CliOutput` (builder/devcontainer/output.ts) logs the CLI's
 * progress events as `<command>: <detail>` while it runs and
 * `<command>: succeeded` / `failed` when it ends.
 */
class RunningCommand {
  running: string | undefined;
  readonly log: Logger;

  constructor(target: Logger) {
    const names = new Set<string>(LIFECYCLE_COMMANDS);
    this.log = new Logger({
      write: (line: LogLine) => {
        const match = /^(\w+Command): (.*)$/.exec(line.text);
        if (match && names.has(match[1]!)) this.running = match[2] === 'succeeded' || match[2] === 'failed' ? undefined : match[1];
        target.write(line);
      },
      flush: (deadlineMs?: number) => target.flush(deadlineMs),
    });
  }
}
