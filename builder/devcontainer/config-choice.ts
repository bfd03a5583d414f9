import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DevcontainerUpError } from '../errors.js';
import { CONFIG_FILE_CANDIDATES } from './config-file.js';

/**
 * Which devcontainer.json of the checkout the builder hands to the CLI.
 *
 * The CLI looks only at `.devcontainer/devcontainer.json`, then
 * `.devcontainer.json`, unless `--config` names a file (devcontainers/cli
 * src/spec-node/devContainersSpecCLI.ts, option `config`: "The default is to
 * use .devcontainer/devcontainer.json or, if that does not exist,
 * .devcontainer.json in the workspace folder"). The spec also allows
 * `.devcontainer/<folder>/devcontainer.json`, one folder deep, which editors
 * offer as a choice (containers.dev, "devcontainer.json" location); the
 * workspace parameter `devcontainer_config` (`DEVCONTAINER_CONFIG`) makes
 * that choice here.
 */
export interface ConfigChoice {
  /**
   * The chosen file, relative to the checkout with `/` separators.
   * @default - none: the CLI's own lookup picks `.devcontainer/devcontainer.json` or `.devcontainer.json`
   */
  readonly configFile?: string;
  /** Every configuration the checkout has, default ones first, then `.devcontainer/<name>/devcontainer.json` sorted. */
  readonly found: readonly string[];
  /** What to tell the user (several configurations, which one is used). */
  readonly messages: readonly { readonly level: 'info' | 'warn'; readonly text: string }[];
}

/** A `DEVCONTAINER_CONFIG` value that cannot name a file in the checkout; undefined when it is fine. */
export function configPathProblem(value: string): string | undefined {
  const normalized = path.posix.normalize(value.replaceAll('\\', '/'));
  if (path.posix.isAbsolute(normalized)) return `is absolute: give a path relative to the repository root, e.g. .devcontainer/python/devcontainer.json`;
  if (normalized === '..' || normalized.startsWith('../')) return 'leaves the repository (".."): give a path inside it, e.g. .devcontainer/python/devcontainer.json';
  if (normalized === '.' || normalized.endsWith('/')) return 'names a folder: give the devcontainer.json file, e.g. .devcontainer/python/devcontainer.json';
  return undefined;
}

/** The normalized relative form of a valid `DEVCONTAINER_CONFIG` value. */
export function normalizeConfigPath(value: string): string {
  return path.posix.normalize(value.replaceAll('\\', '/'));
}

/** Every devcontainer.json the checkout has, in the order {@link ConfigChoice.found} describes. */
export async function listConfigFiles(workspaceFolder: string): Promise<string[]> {
  const isFile = (rel: string) => stat(path.join(workspaceFolder, rel)).then((s) => s.isFile(), () => false);
  const found: string[] = [];
  for (const candidate of CONFIG_FILE_CANDIDATES) if (await isFile(candidate)) found.push(candidate);
  const folders = await readdir(path.join(workspaceFolder, '.devcontainer'), { withFileTypes: true }).catch(() => []);
  const named = folders.filter((e) => e.isDirectory()).map((e) => `.devcontainer/${e.name}/devcontainer.json`).sort();
  for (const candidate of named) if (await isFile(candidate)) found.push(candidate);
  return found;
}

/**
 * Decide the configuration, or throw a `DevcontainerUpError` naming the problem, the
 * parameter and the configurations there are:
 *
 * - `requested` set: it must be a file in the checkout.
 * - none requested, a default one exists: the CLI's lookup; when named ones
 *   exist too, say which one is used and how to pick another.
 * - none requested, no default, exactly one named configuration: that one
 *   (the CLI would find none, but the choice is unambiguous).
 * - none requested, no default, several named ones: an error listing them.
 */
export async function chooseConfig(workspaceFolder: string, requested: string | undefined): Promise<ConfigChoice> {
  const found = await listConfigFiles(workspaceFolder);
  const list = found.map((f) => `  ${f}`).join('\n');
  if (requested !== undefined) {
    const problem = configPathProblem(requested);
    if (problem) throw new DevcontainerUpError(`The devcontainer_config parameter "${requested}" ${problem}.${foundHint(found)}`);
    const configFile = normalizeConfigPath(requested);
    const isFile = await stat(path.join(workspaceFolder, configFile)).then((s) => s.isFile(), () => false);
    if (!isFile) {
      throw new DevcontainerUpError(`The devcontainer_config parameter names ${configFile}, which is not a file in the repository.${foundHint(found)}`);
    }
    return { configFile, found, messages: [{ level: 'info', text: `Using ${configFile} (devcontainer_config parameter).` }] };
  }
  const defaults = found.filter((f) => (CONFIG_FILE_CANDIDATES as readonly string[]).includes(f));
  const named = found.filter((f) => !defaults.includes(f));
  if (defaults.length > 0) {
    if (found.length === 1) return { found, messages: [] };
    return {
      found,
      messages: [{ level: 'info', text: `The repository has ${found.length} dev container configurations:\n${list}\nUsing ${defaults[0]} (the Dev Containers CLI's default); set the devcontainer_config parameter to use another.` }],
    };
  }
  if (named.length === 1) {
    return { configFile: named[0], found, messages: [{ level: 'info', text: `Using ${named[0]}, the only dev container configuration in the repository.` }] };
  }
  if (named.length > 1) {
    throw new DevcontainerUpError(
      `The repository has ${named.length} dev container configurations and none at .devcontainer/devcontainer.json:\n${list}\n`
        + `Set the devcontainer_config parameter to one of them (e.g. coder update <workspace> --parameter devcontainer_config=${named[0]}).`,
    );
  }
  return { found, messages: [] };
}

function foundHint(found: readonly string[]): string {
  if (found.length === 0) return ' The repository has no devcontainer.json: add one, or clear the parameter.';
  return ` The repository has:\n${found.map((f) => `  ${f}`).join('\n')}\nSet devcontainer_config to one of them, or clear it for the default lookup.`;
}

/**
 * The absolute `--config` for a later CLI call in another process (`agent`):
 * the same decision as {@link chooseConfig}, without its messages; when that
 * fails, `up` has already reported it, and the CLI's lookup is used.
 */
export async function chosenConfigFile(workspaceFolder: string, requested: string | undefined): Promise<string | undefined> {
  const choice = await chooseConfig(workspaceFolder, requested).catch(() => undefined);
  return choice?.configFile === undefined ? undefined : path.join(workspaceFolder, choice.configFile);
}
