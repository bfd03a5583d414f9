import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type BuilderCommand } from '../../../builder/config.js';
import type { CommandContext } from '../../../builder/commands/context.js';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { PASS_ENV } from '../../../builder/process.js';

const fixtures = path.resolve(import.meta.dirname, '../../fixtures');
/** The fake `docker` and `devcontainer` executables. */
export const FAKE_BIN = path.join(fixtures, 'bin');
/** Recorded CLI output. */
export const RECORDED = path.join(fixtures, 'devcontainer-up');
export const TOKEN = 'agent-token-0123456789abcdef';

/** One scripted reaction of a fake executable (see __tests__/fixtures/bin/fake.mjs). */
export interface FakeRule {
  readonly tool?: 'docker' | 'devcontainer';
  readonly args?: readonly string[];
  readonly has?: readonly string[];
  readonly stdout?: string;
  readonly stderr?: string;
  readonly stdoutFile?: string;
  readonly stderrFile?: string;
  readonly readConfiguration?: boolean;
  readonly sleepMs?: number;
  readonly untilSignal?: boolean;
  readonly ignoreSignals?: boolean;
  readonly exit?: number;
  /** Answer only the first N matching calls. @default - every call */
  readonly maxCalls?: number;
  /** `devcontainer up` creates this container with its --id-label labels (see fake.mjs). */
  readonly creates?: { readonly Id: string; readonly name?: string; readonly neverStarted?: boolean };
}

/** A container of the fake docker's model: the `docker inspect` fields the builder reads. */
export interface FakeContainer {
  readonly Id: string;
  readonly Name?: string;
  readonly Created: string;
  readonly State: { readonly Running: boolean; readonly Status?: string; readonly StartedAt?: string };
  readonly Config: { readonly User: string; readonly Labels: Record<string, string> };
  readonly Mounts: readonly { readonly Type: string; readonly Source: string; readonly Destination: string }[];
  /** The daemon's error when `docker start` fails. */
  readonly startFails?: string;
}

export interface FakeCall {
  readonly tool: string;
  readonly args: string[];
  readonly stdin: string;
  readonly tokenInEnv: boolean;
  /** The secret-bearing variables (names) the child's environment held. */
  readonly secretEnv: readonly string[];
  readonly pid: number;
  /** Date.now() when the call started. */
  readonly at: number;
}

/** Rules every scenario starts from: a ready engine, no buildx. */
export const BASE_RULES: readonly FakeRule[] = [
  { tool: 'docker', args: ['info'], stdout: '27.0.0' },
  { tool: 'docker', args: ['buildx'], stderr: "docker: 'buildx' is not a docker command.", exit: 1 },
  { tool: 'devcontainer', args: ['read-configuration'], readConfiguration: true },
];

/** A temporary world: a bare git repository with a devcontainer.json, a workspaces root, fake executables on PATH. */
export class World {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'builder-commands-'));
  readonly repo = path.join(this.dir, 'sample.git');
  readonly workspaces = path.join(this.dir, 'workspaces');
  readonly folder = path.join(this.workspaces, 'sample');
  readonly sink = new MemorySink();
  private readonly calls = path.join(this.dir, 'calls.jsonl');
  private readonly scenario = path.join(this.dir, 'scenario.json');
  private readonly containersFile = path.join(this.dir, 'containers.json');
  private modelled = false;

  /** @param files more files committed to the repository (path → content) */
  constructor(devcontainerJson: object = { image: 'debian', remoteUser: 'vscode' }, files: Readonly<Record<string, string>> = {}) {
    const src = path.join(this.dir, 'src');
    mkdirSync(path.join(src, '.devcontainer'), { recursive: true });
    writeFileSync(path.join(src, '.devcontainer', 'devcontainer.json'), JSON.stringify(devcontainerJson));
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
      writeFileSync(path.join(src, file), content);
    }
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' });
    git(src, 'init', '-q', '-b', 'main');
    git(src, 'add', '-A');
    git(src, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'init');
    git(this.dir, 'clone', '-q', '--bare', src, this.repo);
    mkdirSync(this.workspaces);
    writeFileSync(this.calls, '');
    this.script([]);
    process.env.FAKE_BIN_SCENARIO = this.scenario;
    // Children see only an allow-listed environment (builder/process.ts): let the fakes find their script.
    process.env[PASS_ENV] = 'FAKE_BIN_SCENARIO';
    if (!process.env.PATH?.startsWith(FAKE_BIN)) process.env.PATH = `${FAKE_BIN}${path.delimiter}${process.env.PATH}`;
  }

  /** Set the rules (checked before {@link BASE_RULES}) and forget earlier calls. */
  script(rules: readonly FakeRule[]): void {
    writeFileSync(this.scenario, JSON.stringify({ calls: this.calls, rules: [...rules, ...BASE_RULES], containers: this.modelled ? this.containersFile : undefined }));
    writeFileSync(this.calls, '');
  }

  /**
   * Let the fake docker answer ps, inspect, start and rm from these
   * containers (rules still come first); applies from the next `script`.
   */
  containers(list: readonly FakeContainer[]): void {
    this.modelled = true;
    writeFileSync(this.containersFile, JSON.stringify(list));
  }

  /** The containers as the fake docker left them. */
  containersNow(): FakeContainer[] {
    return JSON.parse(readFileSync(this.containersFile, 'utf8')) as FakeContainer[];
  }

  /** A container as `docker inspect` shows it, carrying this world's id label. */
  container(id: string, options: { running?: boolean; fallback?: boolean; created?: string; user?: string; metadata?: readonly object[]; mountedAt?: string; startFails?: string; name?: string; generation?: number } = {}): FakeContainer {
    const labels: Record<string, string> = { 'devcontainer-builder.workspace': this.folder };
    if (options.generation) labels['devcontainer-builder.generation'] = String(options.generation);
    if (options.fallback) labels['devcontainer-builder.fallback'] = 'true';
    if (options.metadata) labels['devcontainer.metadata'] = JSON.stringify(options.metadata);
    return {
      Id: id.padEnd(64, '0'),
      ...(options.name ? { Name: `/${options.name}` } : {}),
      Created: options.created ?? '2026-01-01T00:00:00.000000000Z',
      State: { Running: options.running ?? true },
      Config: { User: options.user ?? '', Labels: labels },
      Mounts: options.mountedAt ? [{ Type: 'bind', Source: this.folder, Destination: options.mountedAt }] : [],
      ...(options.startFails ? { startFails: options.startFails } : {}),
    };
  }

  /** Every call the fakes received since the last `script`. */
  recordedCalls(): FakeCall[] {
    return readFileSync(this.calls, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FakeCall);
  }

  /** A command context as cli.ts would build it. */
  context(command: BuilderCommand, env: Record<string, string> = {}, signal = new AbortController().signal): CommandContext {
    const config = loadConfig(command, {
      DEVCONTAINER_REPOSITORY: `file://${this.repo}`,
      DEVCONTAINER_WORKSPACES_ROOT: this.workspaces,
      DEVCONTAINER_CACHE_FROM: '',
      CODER_AGENT_URL: 'http://127.0.0.1:9/',
      CODER_AGENT_TOKEN: TOKEN,
      CODER_INIT_SCRIPT: '#!/bin/sh\nexport CODER_AGENT_AUTH="token"\nexec ./coder agent\n',
      DEVCONTAINER_DOCKER_WAIT_SECONDS: '5',
      ...env,
    });
    return { config, log: new Logger(this.sink), signal, devcontainerBin: 'devcontainer' };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A successful `devcontainer build`: its one result line
 * (devcontainers/cli src/spec-node/devContainersSpecCLI.ts, doBuild:
 * `{ outcome: 'success', imageName }`).
 */
export const BUILD_SUCCESS: FakeRule = { tool: 'devcontainer', args: ['build'], stdout: '{"outcome":"success","imageName":["vsc-sample-0123"]}' };

/** Rules replaying a recorded CLI run for `devcontainer <command>`. */
export function replay(command: string, recorded: string, extra: Partial<FakeRule> = {}): FakeRule {
  const exit = Number(readFileSync(path.join(RECORDED, recorded, 'exit-code.txt'), 'utf8').trim());
  return { tool: 'devcontainer', args: [command], stdoutFile: path.join(RECORDED, recorded, 'stdout.txt'), stderrFile: path.join(RECORDED, recorded, 'stderr.txt'), exit, ...extra };
}
