import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DevcontainerJsonSyntaxError, readDevcontainerConfig } from './config-file.js';
import type { GpuAvailability } from './args.js';
import { parseHostRequirements } from './host-requirements.js';
import { buildInputsOf, fingerprintsOf, type BuildInputFile, type Fingerprints } from './fingerprint.js';

/** A workspace's devcontainer.json and the fingerprints of what its dev container is made from. */
export interface WorkspaceFingerprint {
  /** @default - devcontainer.json has a syntax error: see `problem` */
  readonly fingerprint?: Fingerprints;
  /** Why there is no fingerprint: the syntax error, naming file, line and column. */
  readonly problem?: string;
  /** devcontainer.json's `name`. @default - none given */
  readonly name?: string;
  /** The configuration uses Docker Compose (`dockerComposeFile`). */
  readonly usesCompose: boolean;
  /** devcontainer.json, relative to the workspace folder. */
  readonly configFile: string;
  /** The CLI builds an image for it: a Dockerfile, or Features on top of an image. @default false */
  readonly buildsImage?: boolean;
  /** The parsed devcontainer.json (for hostRequirements). @default - syntax error */
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * Read the workspace's devcontainer.json (`configFile`, relative, else the
 * CLI's lookup; no CLI run, no Docker) and the
 * files it builds from, and fingerprint them. Throws a `DevcontainerUpError`
 * when there is no devcontainer.json or it is not an object (the CLI fails
 * on both too). A syntax error is returned as `problem` instead: the CLI
 * reads the file leniently (devcontainers/cli src/spec-node/configContainer.ts
 * calls `jsonc.parse` without collecting errors) and may well start the
 * existing container, so it must not be a reason to replace it.
 */
export async function fingerprintWorkspace(workspaceFolder: string, configFile?: string, gpuAvailability?: GpuAvailability): Promise<WorkspaceFingerprint> {
  let read: Awaited<ReturnType<typeof readDevcontainerConfig>>;
  try {
    read = await readDevcontainerConfig(workspaceFolder, configFile);
  } catch (error) {
    if (!(error instanceof DevcontainerJsonSyntaxError)) throw error;
    return { problem: error.message, usesCompose: false, configFile: path.relative(workspaceFolder, error.file).split(path.sep).join('/') };
  }
  const inputs = buildInputsOf(read.config, read.configFile);
  const files: BuildInputFile[] = [];
  for (const file of inputs.files) files.push({ path: file, content: await readOrEmpty(path.join(workspaceFolder, file)) });
  for (const folder of inputs.folders) files.push(...(await readFolder(workspaceFolder, folder)));
  // `--gpus all` is decided when the container is created: GPUs that come or
  // go (the gpu_count variable) need a new container for a configuration that
  // asks for one. Only `all` counts, so workspaces without GPUs keep theirs.
  if (gpuAvailability === 'all' && parseHostRequirements(read.config).gpu !== undefined) files.push({ path: '\0gpu-availability', content: 'all' });
  const { build, dockerFile, features } = read.config;
  const dockerfile = (isRecord(build) && typeof build.dockerfile === 'string') || typeof dockerFile === 'string';
  const buildsImage = dockerfile || (isRecord(features) && Object.keys(features).length > 0);
  return { fingerprint: fingerprintsOf(read.config, files), name: read.name, usesCompose: read.usesCompose, configFile: read.configFile, buildsImage, config: read.config };
}

// A missing build file hashes as empty: the CLI reports it when it builds.
async function readOrEmpty(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch {
    return new Uint8Array();
  }
}

// Local Features are small folders; the cap keeps a mistaken path (e.g. "../")
// from hashing a whole tree.
const MAX_FOLDER_FILES = 500;

async function readFolder(root: string, folder: string): Promise<BuildInputFile[]> {
  const files: BuildInputFile[] = [];
  let entries: string[];
  try {
    entries = (await readdir(path.join(root, folder), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
      .sort()
      .slice(0, MAX_FOLDER_FILES);
  } catch {
    return files;
  }
  for (const file of entries) files.push({ path: file, content: await readOrEmpty(path.join(root, file)) });
  return files;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
