import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { findConfigFile } from '../devcontainer/config-file.js';
import { extensionIdOf } from '../extensions/extension-entry.js';
import { mergedConfigurationArgs, parseReadConfigurationOutput } from '../extensions/read-configuration.js';
import { CODE_SERVER_INSTALL_PREFIX, renderRecordFiles, type RecordFile } from '../extensions/recorded.js';
import { resolveVscodeCustomizations, type VscodeCustomizations } from '../extensions/vscode-customizations.js';
import type { Logger } from '../log/logger.js';
import { inheritedEnv, ProcessError, run } from '../process.js';
import { docker, dockerEnv } from '../docker/client.js';
import { writeRecordFiles, type RecordedExtensions } from './record-info.js';

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
  /**
   * What the last `up` recorded in this dev container (builder state). When
   * its input is the current one, the merged configuration is not read again
   * and the record not rewritten. @default - nothing recorded: read and record
   */
  readonly previous?: { readonly containerId: string; readonly extensions?: RecordedExtensions };
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

/** The VS Code customizations of the running dev container, from the CLI or, unchanged, from the builder state. */
export interface ResolvedExtensions extends RecordedExtensions {
  /** The record files to write; absent: the container already holds the record of this input. */
  readonly files?: readonly RecordFile[];
}

/**
 * After `devcontainer up`: resolve `customizations.vscode` from the merged
 * configuration (image, features, devcontainer.json), record it inside the
 * dev container (`builder/extensions/recorded.ts`), and install the
 * extensions into code-server when it is there, before the agent starts.
 * `up` itself runs the parts ({@link resolveExtensions}, the record with the
 * container info in builder/steps/record-info.ts, {@link installIntoCodeServer}).
 *
 * Extensions are a convenience, so this step never fails the build: an
 * unknown id, an offline marketplace or a missing tool is logged as a
 * warning under the builder's log source and the workspace starts anyway.
 * Only a cancellation (`signal`) is rethrown.
 */
export async function installExtensions(options: InstallExtensionsOptions): Promise<InstallExtensionsResult> {
  const empty = { extensions: [], recorded: false, installed: [], failed: [] };
  try {
    const resolved = await resolveExtensions(options);
    if (!resolved) return empty;
    const recorded = resolved.files ? await record(options, resolved.files) : true;
    const outcome = await installIntoCodeServer(options, resolved.list);
    return { ...outcome, recorded };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.log.warn(`${LOG_PREFIX} skipped after an unexpected error: ${describe(error)}`);
    return empty;
  }
}

/**
 * The extensions and the record files of the running dev container. The
 * merged configuration is read with the CLI unless the state recorded the
 * same input for the same container ({@link extensionsInput}); then nothing
 * runs and no files are returned. `undefined` (with a warning) when it cannot be read.
 */
export async function resolveExtensions(options: InstallExtensionsOptions): Promise<ResolvedExtensions | undefined> {
  const input = await extensionsInput(options);
  const recorded = options.previous?.containerId === options.containerId ? options.previous.extensions : undefined;
  if (input !== undefined && recorded?.input === input) {
    options.log.info(recorded.list.length === 0
      ? `${LOG_PREFIX} none requested (configuration unchanged since the last start)`
      : `${LOG_PREFIX} ${recorded.list.join(', ')} (configuration unchanged since the last start)`);
    return { input, list: recorded.list };
  }
  const customizations = await readCustomizations(options);
  if (!customizations) return undefined;
  // Without a readable devcontainer.json there is nothing to compare with next time: a random input never matches.
  return { input: input ?? `unknown:${Math.random()}`, list: customizations.extensions, files: renderRecordFiles(customizations) };
}

/**
 * Install `extensions` into code-server as the remote user (found, else
 * downloaded); nothing runs when there are none.
 */
export async function installIntoCodeServer(options: InstallExtensionsOptions, extensions: readonly string[]): Promise<Omit<InstallExtensionsResult, 'recorded'>> {
  if (extensions.length === 0) return { extensions, installed: [], failed: [] };
  try {
    const codeServer = await findOrInstallCodeServer(options);
    if (!codeServer) return { extensions, installed: [], failed: [] };
    const outcome = await installInto(options, codeServer, extensions);
    return { extensions, codeServer, ...outcome };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.log.warn(`${LOG_PREFIX} skipped after an unexpected error: ${describe(error)}`);
    return { extensions, installed: [], failed: [] };
  }
}

// Bump when what is derived from the merged configuration changes (recorded.ts, vscode-customizations.ts).
const RECORD_FORMAT = 'vscode-record 1';

/**
 * A hash of everything `read-configuration --container-id` merges the VS
 * Code customizations from: the container (its `devcontainer.metadata`
 * label, image and Features, is fixed when it is created), devcontainer.json
 * as written and where it is, the `${localEnv:…}` values it refers to (the
 * CLI substitutes them from its environment, devcontainers/cli
 * src/spec-common/variableSubstitution.ts), the CLI's version and this
 * builder's format. `undefined` when devcontainer.json cannot be read: then
 * the CLI is asked every time.
 */
export async function extensionsInput(options: Pick<InstallExtensionsOptions, 'workspaceFolder' | 'configFile' | 'containerId' | 'devcontainerBin'>): Promise<string | undefined> {
  const relative = options.configFile ?? await findConfigFile(options.workspaceFolder);
  if (relative === undefined) return undefined;
  const file = path.resolve(options.workspaceFolder, relative);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const env = inheritedEnv();
  const referenced = [...new Set([...text.matchAll(/\$\{localEnv:([^}:]+)/g)].map((m) => m[1]!))].sort();
  const hash = createHash('sha256').update(`${RECORD_FORMAT}\0${options.containerId}\0${file}\0${await cliVersion(options.devcontainerBin)}\0`);
  for (const name of referenced) hash.update(`env\0${name}\0${env[name] ?? '\u0001unset'}\0`);
  hash.update(`config\0${text}`);
  return `sha256:${hash.digest('hex')}`;
}

/** The Dev Containers CLI's package version (next to its entry point), else its path: an upgrade changes the input. */
async function cliVersion(bin: string | undefined): Promise<string> {
  const name = bin ?? 'devcontainer';
  try {
    const entry = await realpath(name);
    const pkg = JSON.parse(await readFile(path.join(path.dirname(entry), 'package.json'), 'utf8')) as { name?: string; version?: string };
    return pkg.name === '@devcontainers/cli' && pkg.version ? `${pkg.name}@${pkg.version}` : name;
  } catch {
    return name;
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

async function record(options: InstallExtensionsOptions, files: readonly RecordFile[]): Promise<boolean> {
  try {
    await writeRecordFiles(options, options.containerId, files);
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

// The code-server module's binary first, then any code-server on PATH.
const FIND_CODE_SERVER = 'if [ -x "$1" ]; then echo "$1"; else command -v code-server || true; fi';
// The install method and prefix the code-server module uses, so it reuses this copy.
const DOWNLOAD_CODE_SERVER = [
  'command -v curl >/dev/null 2>&1 || { echo "curl is not installed in the dev container" >&2; exit 3; }',
  'prefix="$1"; shift',
  'curl -fsSL https://code-server.dev/install.sh | sh -s -- --method=standalone --prefix="$prefix" "$@"',
].join('\n');
