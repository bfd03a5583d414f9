import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderIdeExtensionsScript } from '../../constructs/ide-extensions-script.js';

const exec = promisify(execFile);

// A stand-in for code-server and the VS Code server CLI, as in coder/registry's
// module tests: it records every call and keeps a list of installed ids.
const STUB = `#!/bin/sh
echo "$0 $*" >> "$STUB_CALLS"
state="$(dirname "$0")/installed"
case "$1" in
  --list-extensions) cat "$state" 2>/dev/null; exit 0 ;;
  --install-extension)
    for bad in $STUB_FAIL; do
      if [ "$2" = "$bad" ]; then echo "Installing extensions..."; echo "Extension '$2' not found." >&2; exit 1; fi
    done
    echo "\${2%%@*}" | tr 'A-Z' 'a-z' >> "$state"; echo "Extension '$2' was successfully installed."; exit 0 ;;
esac
exit 2
`;

let root: string;
let home: string;
let recordDir: string;
let calls: string;

function stub(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, STUB);
  chmodSync(file, 0o755);
  return file;
}

function record(extensions: string[], settings: object) {
  mkdirSync(recordDir, { recursive: true });
  writeFileSync(path.join(recordDir, 'extensions.txt'), extensions.map((e) => `${e}\n`).join(''));
  writeFileSync(path.join(recordDir, 'machine-settings.json'), `${JSON.stringify(settings)}\n`);
  writeFileSync(path.join(recordDir, 'extensions.json'), JSON.stringify({ version: 1, extensions, settings, ignored: [] }));
}

async function runScript(options: Partial<Parameters<typeof renderIdeExtensionsScript>[0]> = {}, env: Record<string, string> = {}) {
  const script = path.join(root, 'script.sh');
  writeFileSync(script, renderIdeExtensionsScript({
    recordDir,
    codeServerBinary: path.join(root, 'code-server/bin/code-server'),
    codeServerWaitSeconds: 4,
    settingsGuardSeconds: 0,
    desktopWatchSeconds: 0,
    ...options,
  }));
  const result = await exec('sh', [script], { env: { PATH: process.env.PATH, HOME: home, STUB_CALLS: calls, STUB_FAIL: '', ...env } });
  return result.stdout;
}

const callLines = () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) : []);

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ide-extensions-'));
  home = path.join(root, 'home');
  recordDir = path.join(root, 'record');
  calls = path.join(root, 'calls.log');
  mkdirSync(home);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the IDE extensions start script', () => {
  it('installs exactly the recorded extensions into code-server and writes the machine settings', async () => {
    const cs = stub(path.join(root, 'code-server/bin/code-server'));
    record(['a.one', 'B.Two@1.2.3', '/opt/x.vsix'], { 'editor.tabSize': 2 });
    const out = await runScript();
    expect(callLines()).toEqual([
      `${cs} --list-extensions`,
      `${cs} --install-extension a.one`,
      `${cs} --install-extension B.Two@1.2.3 --force`,
      `${cs} --install-extension /opt/x.vsix`,
    ]);
    expect(JSON.parse(readFileSync(path.join(home, '.local/share/code-server/Machine/settings.json'), 'utf8'))).toEqual({ 'editor.tabSize': 2 });
    expect(out).toContain('  installed a.one');
  });

  it('skips what code-server already has (the builder installed it before the agent started)', async () => {
    const cs = stub(path.join(root, 'code-server/bin/code-server'));
    writeFileSync(path.join(root, 'code-server/bin/installed'), 'a.one\n');
    record(['A.One', 'c.three'], {});
    const out = await runScript();
    expect(callLines()).toEqual([`${cs} --list-extensions`, `${cs} --install-extension c.three`]);
    expect(out).toContain('  A.One: already installed');
  });

  it('reports a failing extension, installs the rest and still exits 0', async () => {
    stub(path.join(root, 'code-server/bin/code-server'));
    record(['bad.ext', 'good.ext'], {});
    const out = await runScript({}, { STUB_FAIL: 'bad.ext' });
    expect(out).toContain("  FAILED bad.ext: Extension 'bad.ext' not found.");
    expect(out).toContain('  installed good.ext');
    expect(out).toContain('1 extension(s) could not be installed into code-server; the workspace works without them.');
  });

  it('gives up on code-server after the wait, without failing', async () => {
    record(['a.one'], {});
    const out = await runScript({ codeServerWaitSeconds: 2 });
    expect(out).toContain('did not appear at');
    expect(callLines()).toEqual([]);
  });

  it('does nothing without a record', async () => {
    stub(path.join(root, 'code-server/bin/code-server'));
    const out = await runScript();
    expect(out).toContain('nothing to install');
    expect(callLines()).toEqual([]);
  });

  it('writes VS Code Desktop machine settings once, never over the user\'s own', async () => {
    record([], { a: 1 });
    await runScript({ codeServerWaitSeconds: 0 });
    const desktop = path.join(home, '.vscode-server/data/Machine/settings.json');
    expect(JSON.parse(readFileSync(desktop, 'utf8'))).toEqual({ a: 1 });
    writeFileSync(desktop, '{"mine":true}');
    await runScript({ codeServerWaitSeconds: 0 });
    expect(readFileSync(desktop, 'utf8')).toBe('{"mine":true}');
  });

  it('returns while the watcher keeps running (the agent waits for the script\'s output to close)', async () => {
    record([], {});
    const started = Date.now();
    await runScript({ codeServerWaitSeconds: 0, desktopWatchSeconds: 6 });
    expect(Date.now() - started).toBeLessThan(4_000);
    const log = path.join(home, '.cache/devcontainer-builder/vscode-desktop-extensions.log');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('watcher finished'), 20_000);
  });

  it('puts the machine settings back when the code-server module rewrites them at its start', async () => {
    stub(path.join(root, 'code-server/bin/code-server'));
    record([], { 'editor.tabSize': 4 });
    await runScript({ settingsGuardSeconds: 6 });
    const machine = path.join(home, '.local/share/code-server/Machine/settings.json');
    writeFileSync(machine, '{}\n'); // what the module writes with no machine-settings input
    const log = path.join(home, '.cache/devcontainer-builder/vscode-desktop-extensions.log');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('watcher finished'), 20_000);
    expect(JSON.parse(readFileSync(machine, 'utf8'))).toEqual({ 'editor.tabSize': 4 });
  });

  it('installs into a VS Code Desktop server when one appears, once', async () => {
    record(['a.one', 'b.two'], {});
    await runScript({ codeServerWaitSeconds: 0, desktopWatchSeconds: 8 });
    const server = stub(path.join(home, '.vscode-server/cli/servers/Stable-abc/server/bin/code-server'));
    const log = path.join(home, '.cache/devcontainer-builder/vscode-desktop-extensions.log');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('watcher finished'), 20_000);
    expect(callLines()).toEqual([
      `${server} --list-extensions`,
      `${server} --install-extension a.one`,
      `${server} --install-extension b.two`,
    ]);
    expect(existsSync(path.join(home, '.vscode-server/cli/servers/Stable-abc/server/.devcontainer-builder-extensions'))).toBe(true);
  });
});
