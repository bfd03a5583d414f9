#!/usr/bin/env node
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type BuilderCommand } from './config.js';
import { readRegistrySecrets } from './docker-config.js';
import { isBuilderError } from './errors.js';
import { createBuilderLog } from './log/index.js';
import { killAllChildren } from './process.js';
import { causeChain, toBuilderError } from './step-boundary.js';
import { agentCommand } from './commands/agent.js';
import type { CommandContext } from './commands/context.js';
import { runCommand } from './commands/run.js';
import { upCommand } from './commands/up.js';

const COMMANDS: Record<BuilderCommand, (ctx: CommandContext) => Promise<unknown>> = {
  up: upCommand,
  agent: agentCommand,
  run: runCommand,
};

export const USAGE = `Usage: devcontainer-builder <command>

Turns a git repository into a running dev container with the Coder agent inside.

Commands:
  up       clone the repository and build and start its dev container, then exit (init container)
  agent    run the Coder agent inside the dev container and keep it alive (main container)
  run      up, then agent, in one process; without CODER_AGENT_URL/CODER_AGENT_TOKEN only builds

Options:
  -h, --help     show this help
  -v, --version  show the version

Settings come from the environment (CODER_AGENT_URL, CODER_AGENT_TOKEN,
CODER_INIT_SCRIPT, DEVCONTAINER_REPOSITORY, DEVCONTAINER_BRANCH, …): see docs/builder.md.
Exit codes: 0 success, 1 runtime failure, 2 configuration error.
`;

/** Where `main` writes and what it reads; tests pass their own. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Aborts the command (SIGTERM/SIGINT). */
  readonly signal: AbortSignal;
  /** @default - see {@link devcontainerBin} */
  readonly devcontainerBin?: string;
}

/** The project root: the nearest folder above this file holding package.json. */
function packageRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** The version from version.txt (the builder image's), else package.json. */
export function builderVersion(): string {
  const root = packageRoot();
  if (!root) return 'unknown';
  const versionFile = path.join(root, 'version.txt');
  if (existsSync(versionFile)) return readFileSync(versionFile, 'utf8').trim();
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
}

/**
 * The Dev Containers CLI pinned in package.json (node_modules/.bin), so the
 * builder runs the version its parsing was tested against; else `devcontainer` on PATH.
 */
export function devcontainerBin(): string {
  const root = packageRoot();
  const pinned = root ? path.join(root, 'node_modules', '.bin', 'devcontainer') : undefined;
  return pinned && existsSync(pinned) ? pinned : 'devcontainer';
}

/** How long the log may take to reach Coder at exit. */
export const CLOSE_DEADLINE_MS = { finishing: 120_000, stopping: 10_000 } as const;

/**
 * Run the builder for `argv` (without node and the script) and return the
 * exit code: 0 success, 1 runtime failure, 2 usage or configuration error.
 * The one catch of the builder: the final message names the failing step
 * and the last lines of its output.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    io.stdout.write(`devcontainer-builder ${builderVersion()}\n`);
    return 0;
  }
  const [name, ...rest] = argv;
  if (name === undefined || !(name in COMMANDS) || rest.length > 0) {
    const problem = name === undefined ? 'no command given' : !(name in COMMANDS) ? `unknown command "${name}"` : `unexpected argument "${rest[0]}"`;
    io.stderr.write(`devcontainer-builder: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const command = name as BuilderCommand;

  let config;
  try {
    config = loadConfig(command, io.env);
  } catch (error) {
    // Nothing is streamed yet: a configuration error goes to the console only, once.
    io.stderr.write(`devcontainer-builder ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return isBuilderError(error) ? error.exitCode : 2;
  }

  const coder = config.agentUrl && config.agentToken ? { url: config.agentUrl, token: config.agentToken, budgetBytes: config.logBudgetBytes } : undefined;
  // The registry credentials never reach a child but the cache pull and push;
  // mask them anyway, should docker or a registry echo one.
  const secrets = [...config.secrets, ...readRegistrySecrets(config.dockerConfig)];
  const builderLog = createBuilderLog({ coder, secrets, out: io.stdout });
  const { log } = builderLog;
  log.info(`devcontainer-builder ${builderVersion()} ${command}`);
  let code = 0;
  try {
    const consoleLog = coder ? createBuilderLog({ secrets: [...secrets, coder.token], out: io.stdout }).log : log;
    await COMMANDS[command]({ config, log, consoleLog, signal: io.signal, devcontainerBin: io.devcontainerBin ?? devcontainerBin() });
    if (io.signal.aborted) log.info('Stopped by a signal.');
  } catch (error) {
    code = 1;
    if (io.signal.aborted) {
      log.warn(`${command} was stopped by a signal before it finished.`);
    } else {
      // Every step converts its failures; this only names one that escaped all of them.
      const failure = toBuilderError(command, error);
      code = failure.exitCode;
      for (const cause of causeChain(failure)) log.debug(`Caused by: ${cause}`);
      log.error(`✘ ${command} failed in step "${failure.step}": ${failure.message}`);
      if (failure.lastLines.length > 0) {
        log.error('Last lines of output:');
        for (const line of failure.lastLines.slice(-20)) log.error(`  | ${line}`);
      }
    }
  } finally {
    // `up` may finish inside the pod-start window in which Coder still answers
    // 401 (the provision job has not completed): wait for Coder to take the
    // build log rather than drop it. close() returns as soon as all is
    // delivered; `agent` stops within Kubernetes' grace period instead.
    await builderLog.close(io.signal.aborted || command === 'agent' ? CLOSE_DEADLINE_MS.stopping : CLOSE_DEADLINE_MS.finishing);
  }
  return code;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  let signals = 0;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      signals += 1;
      // A second signal means "now": give up on a clean stop, but take the
      // children along (each runs in its own process group).
      if (signals > 1) {
        killAllChildren();
        process.exit(130);
      }
      controller.abort(new Error(`received ${sig}`));
    });
  }
  const code = await main(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  process.exit(code);
}
