import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { builderVersion, main, USAGE } from '../../builder/cli.js';

const root = path.resolve(import.meta.dirname, '../..');

function io(env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (d: Buffer) => out.push(d.toString()));
  stderr.on('data', (d: Buffer) => err.push(d.toString()));
  return { io: { env, stdout, stderr, signal: new AbortController().signal }, out: () => out.join(''), err: () => err.join('') };
}

describe('devcontainer-builder cli', () => {
  it('--help prints the usage and exits 0', async () => {
    const t = io();
    expect(await main(['--help'], t.io)).toBe(0);
    expect(t.out()).toBe(USAGE);
    expect(USAGE).toMatch(/up\s+clone/);
    expect(USAGE).toContain('Exit codes: 0 success, 1 runtime failure, 2 configuration error.');
  });

  it('--version prints the version from version.txt', async () => {
    const t = io();
    expect(await main(['--version'], t.io)).toBe(0);
    expect(t.out()).toBe(`devcontainer-builder ${readFileSync(path.join(root, 'version.txt'), 'utf8').trim()}\n`);
    expect(builderVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('fails with exit 2 and the usage for an unknown command, no command or extra arguments', async () => {
    for (const argv of [['build'], [], ['up', 'extra']]) {
      const t = io();
      expect(await main(argv, t.io)).toBe(2);
      expect(t.err()).toContain('Usage: devcontainer-builder <command>');
    }
    const t = io();
    await main(['build'], t.io);
    expect(t.err()).toMatch(/^devcontainer-builder: unknown command "build"/);
  });

  it('fails with exit 2 and one message naming every configuration problem, without secret values', async () => {
    const t = io({ CODER_AGENT_TOKEN: 'tok en-secret-value', DEVCONTAINER_REBUILD: 'maybe' });
    expect(await main(['agent'], t.io)).toBe(2);
    const message = t.err();
    expect(message.match(/Invalid configuration/g)).toHaveLength(1);
    for (const name of ['CODER_AGENT_URL', 'CODER_INIT_SCRIPT', 'DEVCONTAINER_REPOSITORY', 'DEVCONTAINER_REBUILD', 'CODER_AGENT_TOKEN']) expect(message).toContain(name);
    expect(message).not.toContain('en-secret-value');
    expect(t.out()).toBe('');
  });

  it('issue 11.4: the registry password and base64 auth string from $DOCKER_CONFIG/config.json are masked in the builder log', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-mask-test-'));
    try {
      const password = 'registry-pass-0123456789';
      const auth = Buffer.from(`bot:${password}`).toString('base64');
      mkdirSync(path.join(dir, 'docker-config'));
      writeFileSync(path.join(dir, 'docker-config', 'config.json'), JSON.stringify({ auths: { 'registry.test': { auth } } }));
      // The builder logs the Docker endpoint it waits for: one holding both values.
      const t = io({
        DEVCONTAINER_REPOSITORY: 'https://example.invalid/r.git', DEVCONTAINER_WORKSPACES_ROOT: path.join(dir, 'ws'),
        DOCKER_CONFIG: path.join(dir, 'docker-config'), DOCKER_HOST: `unix:///nonexistent/${password}/${auth}.sock`, DEVCONTAINER_DOCKER_WAIT_SECONDS: '1',
      });
      const code = await main(['run'], t.io);
      expect(code).not.toBe(0);
      expect(t.out()).toContain('Waiting for Docker at unix:///nonexistent/***');
      expect(t.out()).not.toContain(password);
      expect(t.out()).not.toContain(auth);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('as a process: --version exits 0, an unknown command exits 2', async () => {
    const run = promisify(execFile);
    const cli = path.join(root, 'builder', 'cli.ts');
    const ok = await run(process.execPath, ['--import', 'tsx', cli, '--version'], { cwd: root });
    expect(ok.stdout).toMatch(/^devcontainer-builder \d/);
    const bad = await run(process.execPath, ['--import', 'tsx', cli, 'nope'], { cwd: root }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
  });
});
