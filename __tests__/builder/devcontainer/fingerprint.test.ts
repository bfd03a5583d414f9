import { describe, expect, it } from 'vitest';
import { buildInputsOf, canonicalJson, fingerprintOf } from '../../../builder/devcontainer/fingerprint.js';

const config = { name: 'x', build: { dockerfile: 'Dockerfile', args: { A: '1' } }, remoteUser: 'vscode', configFilePath: { fsPath: '/w/a/.devcontainer/devcontainer.json' } };
const files = [
  { path: '.devcontainer/devcontainer.json', content: '{"build":{"dockerfile":"Dockerfile"}}' },
  { path: '.devcontainer/Dockerfile', content: 'FROM debian\n' },
];

describe('fingerprintOf', () => {
  it('is stable across key order, file order and the config file location', () => {
    const a = fingerprintOf(config, files);
    const reordered = { remoteUser: 'vscode', build: { args: { A: '1' }, dockerfile: 'Dockerfile' }, name: 'x', configFilePath: { fsPath: '/elsewhere/devcontainer.json' } };
    expect(fingerprintOf(reordered, [...files].reverse())).toBe(a);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes when a configuration value or a file changes', () => {
    const a = fingerprintOf(config, files);
    expect(fingerprintOf({ ...config, remoteUser: 'root' }, files)).not.toBe(a);
    expect(fingerprintOf({ ...config, build: { dockerfile: 'Dockerfile', args: { A: '2' } } }, files)).not.toBe(a);
    expect(fingerprintOf(config, [files[0]!, { path: '.devcontainer/Dockerfile', content: 'FROM debian\nRUN true\n' }])).not.toBe(a);
    expect(fingerprintOf(config, files.slice(0, 1))).not.toBe(a);
    // Moving content between files is a change too.
    expect(fingerprintOf(config, [{ path: 'a', content: 'xy' }, { path: 'b', content: '' }]))
      .not.toBe(fingerprintOf(config, [{ path: 'a', content: 'x' }, { path: 'b', content: 'y' }]));
  });
});

describe('buildInputsOf', () => {
  it('lists the config, its Dockerfile, Compose files and local Features relative to the workspace', () => {
    expect(buildInputsOf({ build: { dockerfile: '../docker/Dockerfile' }, features: { './local-feature': {}, 'ghcr.io/devcontainers/features/node:1': {} } }, '.devcontainer/devcontainer.json'))
      .toEqual({ files: ['.devcontainer/devcontainer.json', 'docker/Dockerfile'], folders: ['.devcontainer/local-feature'] });
    expect(buildInputsOf({ dockerComposeFile: ['compose.yml', '../compose.override.yml'] }, '.devcontainer/devcontainer.json').files)
      .toEqual(['.devcontainer/compose.yml', '.devcontainer/devcontainer.json', 'compose.override.yml']);
    expect(buildInputsOf({ dockerFile: 'Dockerfile' }, '.devcontainer.json').files).toEqual(['.devcontainer.json', 'Dockerfile']);
    expect(buildInputsOf({ image: 'debian' }, '.devcontainer/devcontainer.json')).toEqual({ files: ['.devcontainer/devcontainer.json'], folders: [] });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[{"x":2,"y":1}]},"b":1}');
  });
});
