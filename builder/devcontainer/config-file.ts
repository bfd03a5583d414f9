import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DevcontainerUpError } from '../errors.js';
import { JsoncSyntaxError, parseJsonc } from './jsonc.js';

/** A devcontainer.json as the user wrote it (no variable substituted). */
export interface DevcontainerConfigFile {
  /** Path relative to the workspace folder, with `/` separators. */
  readonly configFile: string;
  /** Absolute path. */
  readonly configFilePath: string;
  /** The parsed document. */
  readonly config: Readonly<Record<string, unknown>>;
  /** `name`. @default - none given */
  readonly name?: string;
  /** `dockerComposeFile` is set: the CLI runs Docker Compose. */
  readonly usesCompose: boolean;
}

/** devcontainer.json is not valid JSONC; `message` names the file, line and column. */
export class DevcontainerJsonSyntaxError extends DevcontainerUpError {
  /** The file as it was named to the parser. */
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(file: string, cause: JsoncSyntaxError) {
    super(
      `${file}:${cause.line}:${cause.column}: syntax error in devcontainer.json: ${cause.problem} (line ${cause.line}, column ${cause.column}). `
        + 'Fix the file (comments and trailing commas are allowed) and restart the workspace.',
      { cause },
    );
    this.file = file;
    this.line = cause.line;
    this.column = cause.column;
  }
}

/**
 * Where the CLI looks when no `--config` is given, in this order
 * (devcontainers/cli src/spec-configuration/configurationCommonUtils.ts
 * `getWellKnownDevContainerPaths`, used by `getDevContainerConfigPathIn`:
 * the first one that is a file wins).
 */
export const CONFIG_FILE_CANDIDATES = ['.devcontainer/devcontainer.json', '.devcontainer.json'] as const;

/** The devcontainer.json the CLI would use for the folder; `undefined` when there is none. */
export async function findConfigFile(workspaceFolder: string): Promise<string | undefined> {
  for (const candidate of CONFIG_FILE_CANDIDATES) {
    const isFile = await stat(path.join(workspaceFolder, candidate)).then((s) => s.isFile(), () => false);
    if (isFile) return candidate;
  }
  return undefined;
}

/**
 * Find and parse the workspace's devcontainer.json without running the CLI:
 * `chosen` (relative, from builder/devcontainer/config-choice.ts), else the
 * CLI's lookup. Fails with one message naming the file, as a `DevcontainerUpError`
 * ({@link DevcontainerJsonSyntaxError} for a syntax error: with line and column).
 */
export async function readDevcontainerConfig(workspaceFolder: string, chosen?: string): Promise<DevcontainerConfigFile> {
  const configFile = chosen ?? await findConfigFile(workspaceFolder);
  if (!configFile) {
    throw new DevcontainerUpError(
      `No dev container configuration in ${workspaceFolder}: add .devcontainer/devcontainer.json (or .devcontainer.json) to the repository.`,
    );
  }
  const configFilePath = path.join(workspaceFolder, configFile);
  let text: string;
  try {
    text = await readFile(configFilePath, 'utf8');
  } catch (error) {
    throw new DevcontainerUpError(`Could not read ${configFilePath}: ${(error as Error).message}`, { cause: error });
  }
  return { configFile, configFilePath, ...parseDevcontainerJson(text, configFilePath) };
}

/** Parse devcontainer.json text; `file` only names it in messages. */
export function parseDevcontainerJson(text: string, file: string): Pick<DevcontainerConfigFile, 'config' | 'name' | 'usesCompose'> {
  let value: unknown;
  try {
    value = parseJsonc(text);
  } catch (error) {
    if (!(error instanceof JsoncSyntaxError)) throw error;
    throw new DevcontainerJsonSyntaxError(file, error);
  }
  // The CLI's own check (devcontainers/cli src/spec-node/configContainer.ts).
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DevcontainerUpError(`${file} must contain a JSON object ({ … }), not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`);
  }
  const config = value as Record<string, unknown>;
  return {
    config,
    name: typeof config.name === 'string' ? config.name : undefined,
    usesCompose: config.dockerComposeFile !== undefined,
  };
}
