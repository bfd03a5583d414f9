import { extensionIdOf } from '../extensions/extension-entry.js';
import { mergedConfigurationArgs, parseReadConfigurationOutput } from '../extensions/read-configuration.js';
import { CODE_SERVER_INSTALL_PREFIX, renderRecordFiles } from '../extensions/recorded.js';
import { resolveVscodeCustomizations, type VscodeCustomizations } from '../extensions/vscode-customizations.js';
import type { Logger } from '../log/logger.js';
import { ProcessError, run } from '../process.js';
import { docker, dockerEnv } from '../docker/client.js';

/** What `installExtensions` needs; everything comes from the `up` step's result. */
export interface InstallExtensionsOptions {
  readonly log: Logger;
  /** The checkout on the builder's side, as passed to `devcontainer up`. */
  readonly workspaceFolder: string;
  /** The chosen devcontainer.json (absolute), as passed to `up`. @default - the CLI's lookup */
  readonly configFile?: string;
  readonly containerId: string;
  /** Extensions are installed as this user, into their home. */
  readonly remoteUser: string;
  readonly dockerHost?: string;
  /** @default 'devcontainer' */
  readonly devcontainerBin?: string;
  /**
   * When the dev container has no code-server yet, install it with the
   * official install script (what the code-server module would do a moment
   * later), so the extensions are in place before code-server first starts.
   * Needs curl in the image and internet access; without either the
   * template's start script installs the extensions instead.
   * @default true
   */
  readonly downloadCodeServer?: boolean;
  /** code-server version for that download. @default - the install script's latest */
  readonly codeServerVersion?: string;
  /** Limit for each extension install. @default 120000 */
  readonly installTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** What happened; failures are in here and in the log, never thrown. */
export interface InstallExtensionsResult {
  readonly extensions: readonly string[];
  /** The recorded files were written into the container. */
  readonly recorded: boolean;
  /** The code-server binary used, when one was found or installed. */
  readonly codeServer?: string;
  readonly installed: readonly string[];
  readonly failed: readonly { readonly spec: string; readonly reason: string }[];
}

const LOG_PREFIX = 'VS Code extensions:';

/**
 * After `devcontainer up`: resolve `customizations.vscode` from the merged
 * configuration (image, features, devcontainer.json), record it inside the
 * dev container (`builder/extensions/recorded.ts`), and install the
 * extensions into code-server when it is there, before the agent starts.
 *
 * Extensions are a convenience, so this step never fails the build: an
 * unknown id, an offline marketplace or a missing tool is logged as a
 * warning under the builder's log source and the workspace starts anyway.
 * Only a cancellation (`signal`) is rethrown.
 */
export async function installExtensions(options: InstallExtensionsOptions): Promise<InstallExtensionsResult> {
  const empty = { extensions: [], recorded: false, installed: [], failed: [] };
  try {
    const customizations = await readCustomizations(options);
    if (!customizations) return empty;
    const recorded = await record(options, customizations);
    const { extensions } = customizations;
    if (extensions.length === 0) return { ...empty, recorded };

    const codeServer = await findOrInstallCodeServer(options);
    if (!codeServer) return { ...empty, extensions, recorded };
    const outcome = await installInto(options, codeServer, extensions);
    return { extensions, recorded, codeServer, ...outcome };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.log.warn(`${LOG_PREFIX} skipped after an unexpected error: ${describe(error)}`);
    return empty;
  }
}

async function readCustomizations(options: InstallExtensionsOptions): Promise<VscodeCustomizations | undefined> {
  const { log } = options;
  const stdout: string[] = [];
  const result = await run(log, options.devcontainerBin ?? 'devcontainer', mergedConfigurationArgs(options), {
    env: dockerEnv(options.dockerHost),
    timeoutMs: 120_000,
    signal: options.signal,
    allowFailure: true, // a failure is reported below, not thrown
    // stderr holds the CLI's JSON log events: only needed when it fails.
    onLine: (line, stream) => { if (stream === 'stdout') stdout.push(line); },
  });
  let customizations: VscodeCustomizations;
  try {
    customizations = resolveVscodeCustomizations(parseReadConfigurationOutput(stdout.join('\n')).mergedConfiguration);
  } catch (error) {
    log.warn(`${LOG_PREFIX} could not read the merged dev container configuration (exit code ${result.exitCode}): ${describe(error)}. No extensions are installed.`);
    for (const line of result.tail.slice(-5)) log.warn(`  ${line}`);
    return undefined;
  }
  for (const entry of customizations.ignored) log.warn(`${LOG_PREFIX} ignoring ${JSON.stringify(entry.entry)}: ${entry.reason}`);
  log.info(customizations.extensions.length === 0
    ? `${LOG_PREFIX} none requested by the image, features or devcontainer.json`
    : `${LOG_PREFIX} ${customizations.extensions.join(', ')}`);
  return customizations;
}

async function record(options: InstallExtensionsOptions, customizations: VscodeCustomizations): Promise<boolean> {
  try {
    for (const file of renderRecordFiles(customizations)) {
      // Write then rename, so a reader never sees half a file.
      await docker(options, ['exec', '-i', '-u', 'root', options.containerId, 'sh', '-c', WRITE_FILE, 'sh', file.path], { input: file.content });
    }
    return true;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.log.warn(`${LOG_PREFIX} could not record the list in the dev container: ${describe(error)}. IDEs that start later will not install them.`);
    return false;
  }
}

async function findOrInstallCodeServer(options: InstallExtensionsOptions): Promise<string | undefined> {
  const { log } = options;
  const wanted = `${CODE_SERVER_INSTALL_PREFIX}/bin/code-server`;
  const found = (await docker(options, ['exec', '-u', options.remoteUser, options.containerId, 'sh', '-c', FIND_CODE_SERVER, 'sh', wanted], { allowFailure: true })).stdout.trim();
  if (found) return found;
  if (options.downloadCodeServer === false) {
    log.info(`${LOG_PREFIX} code-server is not in the dev container yet; they are installed when the code-server app starts.`);
    return undefined;
  }
  log.info(`${LOG_PREFIX} installing code-server into ${CODE_SERVER_INSTALL_PREFIX} first, so they are ready when the web IDE starts`);
  const version = options.codeServerVersion ? [`--version=${options.codeServerVersion}`] : [];
  const result = await docker(options, ['exec', '-u', options.remoteUser, options.containerId, 'sh', '-c', DOWNLOAD_CODE_SERVER, 'sh', CODE_SERVER_INSTALL_PREFIX, ...version], { allowFailure: true, timeoutMs: 300_000 });
  if (result.exitCode === 0) return wanted;
  log.warn(`${LOG_PREFIX} could not install code-server here (${lastLine(result.tail) ?? `exit code ${result.exitCode}`}); the extensions are installed when the code-server app starts instead.`);
  return undefined;
}

async function installInto(options: InstallExtensionsOptions, codeServer: string, extensions: readonly string[]) {
  const { log } = options;
  const asUser = ['exec', '-u', options.remoteUser, options.containerId, codeServer];
  const listed = await docker(options, [...asUser, '--list-extensions'], { allowFailure: true });
  const present = new Set(listed.exitCode === 0 ? listed.stdout.split(/\r?\n/).map((l) => l.trim().toLowerCase()).filter(Boolean) : []);

  const installed: string[] = [];
  const failed: { spec: string; reason: string }[] = [];
  for (const spec of extensions) {
    const pinned = spec.includes('@') && !spec.startsWith('/');
    if (!pinned && present.has(extensionIdOf(spec).toLowerCase())) {
      log.info(`${LOG_PREFIX} ${spec} is already installed`);
      continue;
    }
    // --force lets a pinned version replace another installed version.
    const result = await docker(options, [...asUser, '--install-extension', spec, ...(pinned ? ['--force'] : [])], {
      allowFailure: true, timeoutMs: options.installTimeoutMs ?? 120_000,
    });
    if (result.exitCode === 0) {
      installed.push(spec);
      log.info(`${LOG_PREFIX} ✔ ${spec}`);
    } else {
      const reason = lastLine(result.tail) ?? `exit code ${result.exitCode}`;
      failed.push({ spec, reason });
      log.warn(`${LOG_PREFIX} ✘ ${spec} could not be installed: ${reason}`);
    }
  }
  log.info(`${LOG_PREFIX} ${installed.length} installed, ${failed.length} failed, ${extensions.length - installed.length - failed.length} already present (code-server: ${codeServer})`);
  if (failed.length > 0) log.warn(`${LOG_PREFIX} the workspace starts without the failed ones; check their ids in devcontainer.json.`);
  return { installed, failed };
}


function lastLine(tail: readonly string[]): string | undefined {
  return [...tail].reverse().find((l) => l.trim().length > 0)?.trim();
}

function describe(error: unknown): string {
  if (error instanceof ProcessError) return `${error.message}${lastLine(error.tail) ? `: ${lastLine(error.tail)}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

// "$1" is the target path; stdin is the content.
const WRITE_FILE = 'set -e; umask 022; mkdir -p "$(dirname "$1")"; cat > "$1.tmp"; mv -f "$1.tmp" "$1"';
// The code-server module's binary first, then any code-server on PATH.
const FIND_CODE_SERVER = 'if [ -x "$1" ]; then echo "$1"; else command -v code-server || true; fi';
// The install method and prefix the code-server module uses, so it reuses this copy.
const DOWNLOAD_CODE_SERVER = [
  'command -v curl >/dev/null 2>&1 || { echo "curl is not installed in the dev container" >&2; exit 3; }',
  'prefix="$1"; shift',
  'curl -fsSL https://code-server.dev/install.sh | sh -s -- --method=standalone --prefix="$prefix" "$@"',
].join('\n');
