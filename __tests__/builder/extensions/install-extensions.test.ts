import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../builder/log/logger.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { extensionsInput, installExtensions, resolveExtensions, type InstallExtensionsOptions } from '../../../builder/steps/install-extensions.js';
import { PASS_ENV } from '../../../builder/process.js';

// Fake `docker` and `devcontainer` first on PATH (see ./bin): they record
// every call and answer as a dev container would; the real thing is covered
// by the end-to-end test with a stub code-server inside the fixture image.
const binDir = fileURLToPath(new URL('./bin', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/read-configuration/${name}/output.json`, import.meta.url));

interface Call { bin: string; argv: string[]; stdin?: string; dockerHost?: string }

let dir: string;
let logDir: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'install-extensions-'));
  logDir = path.join(dir, 'calls');
  mkdirSync(logDir);
  process.env.PATH = `${binDir}${path.delimiter}${saved.PATH}`;
  // Children see only an allow-listed environment (builder/process.ts): let the fakes read their settings.
  process.env[PASS_ENV] = 'FAKE_LOG_DIR,FAKE_READ_CONFIGURATION,FAKE_CODE_SERVER,FAKE_INSTALLED,FAKE_FAIL,FAKE_DOWNLOAD_EXIT,FAKE_WRITE_EXIT';
  process.env.FAKE_LOG_DIR = logDir;
  process.env.FAKE_READ_CONFIGURATION = fixture('features-and-removals');
  process.env.FAKE_CODE_SERVER = '/tmp/code-server/bin/code-server';
  for (const name of ['FAKE_INSTALLED', 'FAKE_FAIL', 'FAKE_DOWNLOAD_EXIT', 'FAKE_WRITE_EXIT']) delete process.env[name];
});

afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

/** The calls the fakes recorded, in order (see ./bin for the format). */
function calls(): Call[] {
  return readdirSync(logDir).filter((f) => f.endsWith('.argv')).sort().map((f) => {
    const base = path.join(logDir, f.slice(0, -'.argv'.length));
    const [bin, ...argv] = readFileSync(`${base}.argv`, 'utf8').split('\0').slice(0, -1);
    const read = (ext: string) => (existsSync(`${base}.${ext}`) ? readFileSync(`${base}.${ext}`, 'utf8') : undefined);
    return { bin: bin!, argv, stdin: read('stdin'), dockerHost: read('env') };
  });
}
/** The files in the stdin of the record writer (builder/steps/record-info.ts: path, line count, lines). */
function decodeRecordFiles(stdin: string): { path: string; content: string }[] {
  const lines = stdin.split('\n');
  const files: { path: string; content: string }[] = [];
  for (let i = 0; i < lines.length - 1;) {
    const count = Number(lines[i + 1]);
    files.push({ path: lines[i]!, content: lines.slice(i + 2, i + 2 + count).map((l) => `${l}\n`).join('') });
    i += 2 + count;
  }
  return files;
}
const installCalls = () => calls().filter((c) => c.argv.includes('--install-extension')).map((c) => c.argv.slice(c.argv.indexOf('--install-extension') + 1));

function setup(extra: Partial<InstallExtensionsOptions> = {}) {
  const sink = new MemorySink();
  const options: InstallExtensionsOptions = {
    log: new Logger(sink),
    workspaceFolder: '/workspaces/setup',
    containerId: 'c0ffee',
    remoteUser: 'dev',
    dockerHost: 'unix:///var/run/dind/docker.sock',
    ...extra,
  };
  return { options, sink };
}

describe('installExtensions', () => {
  it('reads the merged configuration of the running container through the CLI', async () => {
    const { options } = setup();
    await installExtensions(options);
    const read = calls().find((c) => c.bin === 'devcontainer')!;
    expect(read.argv).toEqual([
      'read-configuration', '--workspace-folder', '/workspaces/setup', '--container-id', 'c0ffee',
      '--include-merged-configuration', '--log-format', 'json',
    ]);
  });

  it('records the list, the settings and the record as root with one exec, the record last', async () => {
    const { options } = setup();
    const result = await installExtensions(options);
    expect(result.recorded).toBe(true);
    const writes = calls().filter((c) => c.argv.includes('-i'));
    expect(writes.map((c) => c.argv.slice(0, 5))).toEqual([['exec', '-i', '-u', 'root', 'c0ffee']]);
    const files = decodeRecordFiles(writes[0]!.stdin!);
    expect(files.map((f) => f.path)).toEqual([
      '/usr/local/share/devcontainer-builder/vscode/machine-settings.json',
      '/usr/local/share/devcontainer-builder/vscode/extensions.txt',
      '/usr/local/share/devcontainer-builder/vscode/extensions.json',
    ]);
    expect(files[1]!.content).toBe('github.vscode-pull-request-github\nEditorConfig.EditorConfig\nms-python.python\nesbenp.prettier-vscode\n');
    expect(JSON.parse(files[0]!.content)).toMatchObject({ 'editor.formatOnSave': true, 'yaml.format.enable': true });
  });

  it('reads and records nothing when the state recorded the same input for the same container, and still installs', async () => {
    const workspace = path.join(dir, 'ws');
    mkdirSync(path.join(workspace, '.devcontainer'), { recursive: true });
    writeFileSync(path.join(workspace, '.devcontainer', 'devcontainer.json'), '{ "image": "debian" }\n');
    const first = setup({ workspaceFolder: workspace });
    const resolved = (await resolveExtensions(first.options))!;
    expect(resolved.files).toHaveLength(3);
    expect(calls().filter((c) => c.bin === 'devcontainer')).toHaveLength(1);

    const previous = { containerId: 'c0ffee', extensions: { input: resolved.input, list: resolved.list } };
    const again = setup({ workspaceFolder: workspace, previous });
    const result = await installExtensions(again.options);
    expect(calls().filter((c) => c.bin === 'devcontainer')).toHaveLength(1);
    expect(calls().filter((c) => c.argv.includes('-i'))).toEqual([]);
    expect(result.recorded).toBe(true);
    expect(installCalls()).toHaveLength(4);
  });

  it('reads the configuration again when devcontainer.json, a localEnv value it uses or the container changed', async () => {
    const workspace = path.join(dir, 'ws');
    const file = path.join(workspace, '.devcontainer', 'devcontainer.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{ "image": "debian", "customizations": { "vscode": { "settings": { "a": "${localEnv:BENCH_X}" } } } }\n');
    const input = () => extensionsInput({ workspaceFolder: workspace, containerId: 'c0ffee' });
    const before = await input();
    expect(await input()).toBe(before);
    expect(await extensionsInput({ workspaceFolder: workspace, containerId: 'c0ffee', configFile: file })).toBe(before);
    expect(await extensionsInput({ workspaceFolder: workspace, containerId: 'other' })).not.toBe(before);
    process.env.BENCH_X = 'set';
    process.env[PASS_ENV] += ',BENCH_X';
    const withEnv = await input();
    expect(withEnv).not.toBe(before);
    writeFileSync(file, '{ "image": "debian", "customizations": { "vscode": { "settings": { "a": "${localEnv:BENCH_X}", "b": 1 } } } }\n');
    const edited = await input();
    expect(edited).not.toBe(withEnv);
    expect(edited).not.toBe(before);

    const previous = { containerId: 'c0ffee', extensions: { input: before!, list: [] } };
    const resolved = await resolveExtensions(setup({ workspaceFolder: workspace, previous }).options);
    expect(resolved?.files).toHaveLength(3);
    expect(calls().filter((c) => c.bin === 'devcontainer')).toHaveLength(1);
    const otherContainer = await resolveExtensions(setup({ workspaceFolder: workspace, previous: { ...previous, containerId: 'old' }, containerId: 'c0ffee' }).options);
    expect(otherContainer?.files).toHaveLength(3);
  });

  it('always reads the configuration when devcontainer.json cannot be read', async () => {
    expect(await extensionsInput({ workspaceFolder: path.join(dir, 'missing'), containerId: 'c0ffee' })).toBeUndefined();
    const resolved = (await resolveExtensions(setup({ workspaceFolder: path.join(dir, 'missing') }).options))!;
    const again = await resolveExtensions(setup({ workspaceFolder: path.join(dir, 'missing'), previous: { containerId: 'c0ffee', extensions: { input: resolved.input, list: resolved.list } } }).options);
    expect(again?.files).toHaveLength(3);
    expect(calls().filter((c) => c.bin === 'devcontainer')).toHaveLength(2);
  });

  it('installs exactly the resolved extensions into code-server as the remote user', async () => {
    const { options } = setup();
    const result = await installExtensions(options);
    expect(installCalls()).toEqual([
      ['github.vscode-pull-request-github'],
      ['EditorConfig.EditorConfig'],
      ['ms-python.python'],
      ['esbenp.prettier-vscode'],
    ]);
    for (const c of calls().filter((x) => x.argv.includes('--install-extension'))) {
      expect(c.argv.slice(0, 5)).toEqual(['exec', '-u', 'dev', 'c0ffee', '/tmp/code-server/bin/code-server']);
    }
    expect(result).toMatchObject({ codeServer: '/tmp/code-server/bin/code-server', failed: [] });
    expect(result.installed).toHaveLength(4);
  });

  it('logs a failing extension clearly and carries on with the others', async () => {
    process.env.FAKE_FAIL = 'ms-python.python';
    const { options, sink } = setup();
    const result = await installExtensions(options);
    expect(result.failed).toEqual([{ spec: 'ms-python.python', reason: "Extension 'ms-python.python' not found." }]);
    expect(result.installed).toEqual(['github.vscode-pull-request-github', 'EditorConfig.EditorConfig', 'esbenp.prettier-vscode']);
    const warning = sink.lines.find((l) => l.level === 'warn' && l.text.includes('ms-python.python'));
    expect(warning?.text).toBe("VS Code extensions: ✘ ms-python.python could not be installed: Extension 'ms-python.python' not found.");
  });

  it('skips extensions code-server already has, unless a version is pinned', async () => {
    process.env.FAKE_READ_CONFIGURATION = fixture('removal-in-image-metadata');
    process.env.FAKE_INSTALLED = 'redhat.vscode-yaml,ms-azuretools.vscode-docker';
    const { options } = setup();
    await installExtensions(options);
    expect(installCalls()).toEqual([
      ['/opt/extensions/local-tool-0.1.0.vsix'],
      ['MS-AzureTools.vscode-docker@1.29.0', '--force'],
      ['timonwong.shellcheck'],
    ]);
  });

  it('downloads code-server into the module prefix first when the container has none', async () => {
    process.env.FAKE_CODE_SERVER = '';
    const { options } = setup({ codeServerVersion: '4.99.4' });
    const result = await installExtensions(options);
    const download = calls().find((c) => c.argv.some((a) => a.includes('code-server.dev/install.sh')))!;
    expect(download.argv.slice(0, 4)).toEqual(['exec', '-u', 'dev', 'c0ffee']);
    expect(download.argv.slice(-2)).toEqual(['/tmp/code-server', '--version=4.99.4']);
    expect(result.codeServer).toBe('/tmp/code-server/bin/code-server');
    expect(installCalls()).toHaveLength(4);
  });

  it('leaves the install to the start script when code-server cannot be downloaded', async () => {
    process.env.FAKE_CODE_SERVER = '';
    process.env.FAKE_DOWNLOAD_EXIT = '3';
    const { options, sink } = setup();
    const result = await installExtensions(options);
    expect(result).toMatchObject({ recorded: true, installed: [], failed: [] });
    expect(result.codeServer).toBeUndefined();
    expect(installCalls()).toEqual([]);
    expect(sink.texts).toContain('VS Code extensions: could not install code-server here (curl is not installed in the dev container); the extensions are installed when the code-server app starts instead.');
  });

  it('does not download code-server when told not to', async () => {
    process.env.FAKE_CODE_SERVER = '';
    const { options } = setup({ downloadCodeServer: false });
    await installExtensions(options);
    expect(calls().some((c) => c.argv.some((a) => a.includes('install.sh')))).toBe(false);
  });

  it('records an empty list and touches no code-server when nothing is requested', async () => {
    process.env.FAKE_READ_CONFIGURATION = fixture('no-customizations');
    const { options, sink } = setup();
    const result = await installExtensions(options);
    expect(result).toEqual({ extensions: [], recorded: true, installed: [], failed: [] });
    expect(calls().filter((c) => c.bin === 'docker')).toHaveLength(1);
    expect(sink.texts).toContain('VS Code extensions: none requested by the image, features or devcontainer.json');
  });

  it('warns and returns when the configuration cannot be read, without throwing', async () => {
    process.env.FAKE_READ_CONFIGURATION = path.join(dir, 'missing.json');
    const { options, sink } = setup();
    const result = await installExtensions(options);
    expect(result).toEqual({ extensions: [], recorded: false, installed: [], failed: [] });
    expect(sink.lines.some((l) => l.level === 'warn' && l.text.startsWith('VS Code extensions: could not read the merged dev container configuration (exit code 1)'))).toBe(true);
    expect(calls().filter((c) => c.bin === 'docker')).toEqual([]);
  });

  it('still installs when recording fails, and says so', async () => {
    process.env.FAKE_WRITE_EXIT = '1';
    const { options, sink } = setup();
    const result = await installExtensions(options);
    expect(result.recorded).toBe(false);
    expect(result.installed).toHaveLength(4);
    expect(sink.lines.some((l) => l.level === 'warn' && l.text.startsWith('VS Code extensions: could not record the list in the dev container'))).toBe(true);
  });

  it('passes DOCKER_HOST to the CLI', async () => {
    const { options } = setup();
    await installExtensions(options);
    expect(calls().find((c) => c.bin === 'devcontainer')!.dockerHost).toBe('unix:///var/run/dind/docker.sock');
  });
});
