// The runc wrapper (.ci/docker/runc-wrapper.sh) removes CAP_SYS_RESOURCE from
// the bundle's config.json on create and from the process file on exec, and
// passes every argument through unchanged. A fake runc records what it got.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const wrapper = resolve(import.meta.dirname, '..', '..', '.ci', 'docker', 'runc-wrapper.sh');
const hasJq = spawnSync('jq', ['--version']).status === 0;
const ALL = ['CAP_CHOWN', 'CAP_SYS_RESOURCE', 'CAP_SYS_ADMIN'];

// jq is installed by .ci/start-docker.sh; without it only a laptop may skip.
describe.skipIf(!hasJq && process.env.CI !== 'true')('runc wrapper', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runc-wrapper-'));
    writeFileSync(join(dir, 'runc'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\nexit 7\n`);
    chmodSync(join(dir, 'runc'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync('sh', [wrapper, ...args], { encoding: 'utf8', env: { ...process.env, RUNC_WRAPPER_RUNC: join(dir, 'runc') } });
  const capabilitySets = () => ({ bounding: ALL, effective: ALL, inheritable: ALL, permitted: ALL, ambient: ALL });
  const without = ['CAP_CHOWN', 'CAP_SYS_ADMIN'];

  it('drops CAP_SYS_RESOURCE from every set of the bundle on create, after global flags', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { capabilities: capabilitySets(), args: ['sh'] } }));
    const args = ['--root', '/run/x', '--log', '/tmp/log', '--log-format', 'json', 'create', '--bundle', dir, '--pid-file', '/p', 'id1'];
    const result = run(...args);
    expect(result.status).toBe(7); // runc's own exit code comes back
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.process.capabilities).toEqual({ bounding: without, effective: without, inheritable: without, permitted: without, ambient: without });
    expect(config.process.args).toEqual(['sh']);
    expect(readFileSync(join(dir, 'args'), 'utf8').trim().split('\n')).toEqual(args);
  });

  it('accepts --bundle=DIR and leaves a spec without capabilities alone', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ process: { args: ['true'] } }));
    expect(run('create', `--bundle=${dir}`, 'id2').status).toBe(7);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ process: { args: ['true'] } });
  });

  it('drops CAP_SYS_RESOURCE from the process file on exec', () => {
    const processFile = join(dir, 'process.json');
    writeFileSync(processFile, JSON.stringify({ args: ['sh'], capabilities: capabilitySets() }));
    expect(run('--root', '/run/x', 'exec', '--process', processFile, '--detach', 'id3').status).toBe(7);
    expect(JSON.parse(readFileSync(processFile, 'utf8')).capabilities.permitted).toEqual(without);
  });

  it('passes other commands through without touching files', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ process: { capabilities: capabilitySets() } }));
    expect(run('--root', dir, 'delete', 'id4').status).toBe(7);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).process.capabilities.bounding).toEqual(ALL);
  });
});
