import { execa, type ExecaError } from 'execa';
import { formatDuration, type Logger } from './log/logger.js';
import type { LogLevel } from './log/log-line.js';

/** How one external command runs. */
export interface RunOptions {
  readonly cwd?: string;
  /**
   * The child's environment on top of {@link inheritedEnv}: the builder's own
   * environment holds the agent token, the GitHub token, Coder's init script
   * and registry credentials, and a child such as the Dev Containers CLI runs
   * repository code (`initializeCommand`) with whatever it was given.
   */
  readonly env?: Record<string, string | undefined>;
  /** Kill the command after this long. @default - no timeout */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Sent on stdin, then stdin is closed. @default - stdin is closed immediately */
  readonly input?: string;
  /**
   * What to do with each output line. Output is never kept whole when it is
   * streamed line by line (a chatty build must not grow the heap):
   * - `'log'` writes stdout at info and stderr at the `stderrLevel`; the
   *   result's `stdout`/`stderr` keep only the end of each stream
   *   ({@link LOG_RESULT_CHARS}, whole lines: enough for an id printed last);
   * - a function receives every line instead; `stdout`/`stderr` are empty;
   * - `'quiet'` logs nothing and keeps `stdout`/`stderr` whole for the caller
   *   to parse, up to {@link QUIET_MAX_CHARS} each: a command printing more
   *   fails with `ProcessError` rather than return a cut (wrong) result.
   * The bounded `tail` is kept in every mode, for error messages.
   * @default 'log'
   */
  readonly onLine?: 'log' | 'quiet' | ((line: string, stream: 'stdout' | 'stderr') => void);
  /** @default 'info' */
  readonly stderrLevel?: LogLevel;
  /**
   * Resolve with the result (its `exitCode`) when the command exits
   * non-zero, instead of throwing. A timeout, a cancel or a failure to start
   * still throws.
   * @default false
   */
  readonly allowFailure?: boolean;
  /** How many trailing output lines to keep for `ProcessError`. @default 40 */
  readonly tailLines?: number;
}

export interface RunResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** The last lines of combined output, for error messages. */
  readonly tail: readonly string[];
}

/** A command that failed to start, exited non-zero, was killed, or timed out. */
export class ProcessError extends Error {
  override readonly name = 'ProcessError';
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly signal: string | undefined,
    readonly timedOut: boolean,
    readonly tail: readonly string[],
    options: { cause?: unknown; cancelled?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.cancelled = options.cancelled === true;
  }

  /** Stopped because the caller's signal aborted. */
  readonly cancelled: boolean;
}

/**
 * The one place the builder starts external processes: no shell, argv
 * logged as `Run:` (the logger's sinks mask secrets), output streamed line by
 * line, duration logged, a `ProcessError` with the output's tail on failure.
 */
export async function run(log: Logger, file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const command = [file, ...args].join(' ');
  const tailLimit = options.tailLines ?? 40;
  const tail: string[] = [];
  const onLine = options.onLine ?? 'log';
  const kept = {
    stdout: keeper(onLine),
    stderr: keeper(onLine),
  };
  const handle = (stream: 'stdout' | 'stderr') => (line: string) => {
    tail.push(line);
    if (tail.length > tailLimit) tail.shift();
    kept[stream].add(line);
    if (typeof onLine === 'function') onLine(line, stream);
    else if (onLine === 'log') log.log(stream === 'stderr' ? (options.stderrLevel ?? 'info') : 'info', line);
  };

  log.debug(`Run: ${command}`);
  const start = performance.now();
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: { ...inheritedEnv(), ...options.env },
    extendEnv: false,
    // Its own process group, so a timeout or cancel reaches grandchildren
    // too (git-remote-http, docker): they hold the output pipes open, and
    // killing only the direct child would leave run() waiting on them.
    detached: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    reject: false,
    stripFinalNewline: true,
    // Generator transforms see one line at a time, as it arrives.
    stdout: lineTap(handle('stdout')),
    stderr: lineTap(handle('stderr')),
  });
  const stop = stopper(subprocess.pid, options);
  if (subprocess.pid !== undefined) LIVE_GROUPS.add(subprocess.pid);
  const result = await subprocess.finally(() => {
    stop.dispose();
    if (subprocess.pid !== undefined) LIVE_GROUPS.delete(subprocess.pid);
  });
  const durationMs = Math.round(performance.now() - start);
  log.debug(`Done: ${file} exited ${result.exitCode ?? result.signal} after ${formatDuration(durationMs)}`);

  const plainExit = !stop.timedOut && !stop.cancelled && result.exitCode !== undefined && result.signal === undefined;
  const overflow = (['stdout', 'stderr'] as const).find((stream) => kept[stream].overflowed);
  if (overflow !== undefined && (!result.failed || (options.allowFailure === true && plainExit))) {
    throw new ProcessError(`${file} printed more than ${QUIET_MAX_CHARS} characters on ${overflow}, more than a quiet command's result may hold`,
      command, result.exitCode, undefined, false, [...tail]);
  }
  if (result.failed && !(options.allowFailure === true && plainExit)) {
    const err = result as unknown as ExecaError;
    const reason = stop.timedOut
      ? `timed out after ${formatDuration(options.timeoutMs ?? 0)}`
      : stop.cancelled
        ? 'was cancelled'
        : err.signal
          ? `was killed by ${err.signal}`
          : err.exitCode === undefined
            ? `could not start (${err.originalMessage ?? err.shortMessage})`
            : `exited with code ${err.exitCode}`;
    throw new ProcessError(`${file} ${reason}`, command, err.exitCode, err.signal, stop.timedOut, [...tail], { cause: err, cancelled: stop.cancelled });
  }
  return {
    command,
    exitCode: result.exitCode ?? -1,
    stdout: kept.stdout.text(),
    stderr: kept.stderr.text(),
    durationMs,
    tail: [...tail],
  };
}

// What a child may see of the builder's environment: how to find programs,
// the locale, proxies and CA certificates, how to reach Docker, and a
// laptop's ssh agent. Everything else (CODER_AGENT_TOKEN, GH_TOKEN,
// CODER_INIT_SCRIPT, DOCKER_CONFIG, DEVCONTAINER_*, Kubernetes service
// links) stays with the builder; a caller passes what one command needs in
// `env`. The Dev Containers CLI runs `initializeCommand`, repository code,
// with the environment it was given (devcontainers/cli
// src/spec-node/devContainers.ts, runInitializeCommand).
const INHERITED_NAMES = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'TMPDIR', 'HOSTNAME',
  'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_EXTRA_CA_CERTS',
  'DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_BUILDKIT',
  'SSH_AUTH_SOCK',
]);

/**
 * `DEVCONTAINER_BUILDER_PASS_ENV`: comma-separated names of further
 * variables children may see (e.g. for `${localEnv:NAME}` in
 * devcontainer.json on a laptop). The operator's explicit choice.
 */
export const PASS_ENV = 'DEVCONTAINER_BUILDER_PASS_ENV';

/** The allow-listed part of the builder's environment every child starts from (plus `LC_*` and {@link PASS_ENV}). */
export function inheritedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const extra = new Set((env[PASS_ENV] ?? '').split(',').map((n) => n.trim()).filter(Boolean));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (INHERITED_NAMES.has(name) || extra.has(name) || name.startsWith('LC_'))) out[name] = value;
  }
  return out;
}

// Process groups of the commands still running: each child leads its own
// group (detached), so the builder's own death does not reach them.
const LIVE_GROUPS = new Set<number>();

/**
 * SIGKILL the process group of every command still running, for a second
 * signal ("now"): the builder exits right after, and a child in its own group
 * would otherwise outlive it. Returns how many groups were signalled.
 */
export function killAllChildren(): number {
  for (const pid of LIVE_GROUPS) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return LIVE_GROUPS.size;
}

/** Grace period between SIGTERM and SIGKILL for a timed-out or cancelled command. */
export const FORCE_KILL_AFTER_MS = 5_000;

/**
 * Ends the command's whole process group on timeout or cancel: SIGTERM,
 * then SIGKILL after {@link FORCE_KILL_AFTER_MS}.
 */
function stopper(pid: number | undefined, options: RunOptions) {
  const state = { timedOut: false, cancelled: false, dispose: () => {} };
  if (pid === undefined) return state;
  const timers: NodeJS.Timeout[] = [];
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const terminate = () => {
    signalGroup('SIGTERM');
    timers.push(setTimeout(() => signalGroup('SIGKILL'), FORCE_KILL_AFTER_MS));
  };
  const onAbort = () => {
    state.cancelled = true;
    terminate();
  };
  if (options.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        state.timedOut = true;
        terminate();
      }, options.timeoutMs),
    );
  }
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  state.dispose = () => {
    for (const timer of timers) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  };
  return state;
}

/** Characters of each stream a `'log'` result keeps: the end of the output, whole lines. */
export const LOG_RESULT_CHARS = 64 * 1024;

/** Characters of each stream a `'quiet'` result keeps at most; beyond, the command fails. */
export const QUIET_MAX_CHARS = 16 * 1024 * 1024;

/** What the result keeps of one stream, by mode (see `RunOptions.onLine`). */
function keeper(onLine: RunOptions['onLine']) {
  const lines: string[] = [];
  let first = 0;
  let chars = 0;
  let overflowed = false;
  const add = (line: string): void => {
    if (typeof onLine === 'function' || overflowed) return;
    // Each line costs its newline too, as in the joined text.
    chars += line.length + 1;
    lines.push(line);
    if (onLine === 'quiet') {
      if (chars - 1 > QUIET_MAX_CHARS) {
        overflowed = true;
        lines.length = 0;
      }
      return;
    }
    // 'log': drop whole lines from the front; the last line alone may be cut to its end.
    while (chars - 1 > LOG_RESULT_CHARS && lines.length - first > 1) chars -= (lines[first++] as string).length + 1;
    if (chars - 1 > LOG_RESULT_CHARS) {
      const last = lines.length - 1;
      lines[last] = (lines[last] as string).slice(-LOG_RESULT_CHARS);
      chars = LOG_RESULT_CHARS + 1;
    }
    // Compact now and then; splice on every line would copy the array each time.
    if (first > 1024 && first * 2 > lines.length) {
      lines.splice(0, first);
      first = 0;
    }
  };
  return {
    add,
    get overflowed() {
      return overflowed;
    },
    text: () => (first === 0 ? lines : lines.slice(first)).join('\n'),
  };
}

// A generator transform that yields nothing drops the line from execa's
// buffer: what the result keeps is the keeper's, bounded in every mode.
function lineTap(onLine: (line: string) => void) {
  return function* (line: unknown) {
    onLine(String(line));
  };
}
