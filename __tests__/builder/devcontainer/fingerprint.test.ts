import { describe, expect, it } from 'vitest';
import { parseDevcontainerJson } from '../../../builder/devcontainer/config-file.js';
import {
  buildInputsOf, canonicalJson, decideRecreate, fingerprintsOf, isStoredFingerprint, type Fingerprints,
} from '../../../builder/devcontainer/fingerprint.js';
import { effectOf, PROPERTY_EFFECTS } from '../../../builder/devcontainer/properties.js';

const parse = (text: string) => parseDevcontainerJson(text, '/w/a/.devcontainer/devcontainer.json').config;
const dockerfile = { path: '.devcontainer/Dockerfile', content: 'FROM debian\n' };

const BASE = `{
  // The dev container of the sample project.
  "name": "sample",
  "build": { "dockerfile": "Dockerfile", "args": { "A": "1" } },
  "features": { "ghcr.io/devcontainers/features/node:1": { "version": "20" } },
  "runArgs": ["--init"],
  "containerEnv": { "HOST": "\${localEnv:HOSTNAME}" },
  "remoteEnv": { "PATH": "\${containerEnv:PATH}:/home/vscode/.local/bin" },
  "remoteUser": "vscode",
  "postCreateCommand": "npm ci",
}`;
const base = fingerprintsOf(parse(BASE), [dockerfile]);
const edited = (from: string, to: string) => {
  if (!BASE.includes(from)) throw new Error(`not in BASE: ${from}`);
  return fingerprintsOf(parse(BASE.replace(from, to)), [dockerfile]);
};

describe('fingerprintsOf', () => {
  it('issue 10.3: ${containerEnv:PATH} and ${localEnv:HOSTNAME} configs fingerprint the same in every environment', () => {
    // Nothing is substituted: the values are hashed as written, whatever the
    // pod's HOSTNAME or the container's PATH (the CLI's read-configuration
    // substitutes both once a container exists).
    const saved = { HOSTNAME: process.env.HOSTNAME, PATH: process.env.PATH };
    const prints: Fingerprints[] = [];
    try {
      for (const host of ['pod-a-5f7d', 'pod-b-9c2e']) {
        process.env.HOSTNAME = host;
        process.env.PATH = `/opt/${host}/bin:/usr/bin`;
        prints.push(fingerprintsOf(parse(BASE), [dockerfile]));
      }
    } finally {
      process.env.HOSTNAME = saved.HOSTNAME;
      process.env.PATH = saved.PATH;
    }
    expect(prints[0]).toEqual(base);
    expect(prints[1]).toEqual(base);
    expect(base).toEqual({ format: 2, container: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), lifecycle: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });

  it('issue 10.4: a remoteEnv-only edit, a comment-only edit and a reformat keep both fingerprints', () => {
    expect(edited(':/home/vscode/.local/bin', ':/home/vscode/bin')).toEqual(base);
    expect(edited('// The dev container of the sample project.', '/* changed comment */ // another')).toEqual(base);
    const reformatted = JSON.stringify(JSON.parse(JSON.stringify(parse(BASE))), null, 4).replace('"name"', '"zzz": 1, "name"');
    expect({ ...fingerprintsOf(parse(reformatted), [dockerfile]) }).toEqual(base); // an unknown key changes nothing either
    const compact = fingerprintsOf(parse(JSON.stringify(parse(BASE))), [dockerfile]);
    expect(compact).toEqual(base);
  });

  it.each([
    ['remoteUser', '"remoteUser": "vscode"', '"remoteUser": "root"'],
    ['customizations', '"name": "sample"', '"customizations": { "vscode": { "extensions": ["x.y"] } }, "name": "sample"'],
    ['forwardPorts', '"name": "sample"', '"forwardPorts": [3000], "portsAttributes": { "3000": { "label": "app" } }, "name": "sample"'],
    ['name', '"name": "sample"', '"name": "renamed"'],
    ['build.cacheFrom', '"args": { "A": "1" }', '"args": { "A": "1" }, "cacheFrom": "ghcr.io/o/cache"'],
    ['hostRequirements.cpus', '"name": "sample"', '"hostRequirements": { "cpus": 4, "memory": "8gb" }, "name": "sample"'],
  ])('issue 10.4: a %s edit keeps both fingerprints', (_what, from, to) => {
    expect(edited(from, to)).toEqual(base);
  });

  it.each([
    ['features', '"version": "20"', '"version": "22"'],
    ['runArgs', '["--init"]', '["--init", "--shm-size=1g"]'],
    ['containerEnv', '"HOST"', '"HOSTNAME"'],
    ['build.args', '"A": "1"', '"A": "2"'],
    ['privileged', '"name": "sample"', '"privileged": true, "name": "sample"'],
    ['mounts', '"name": "sample"', '"mounts": ["source=cache,target=/cache,type=volume"], "name": "sample"'],
    ['hostRequirements.gpu', '"name": "sample"', '"hostRequirements": { "cpus": 4, "gpu": "optional" }, "name": "sample"'],
    ['build.target', '"args": { "A": "1" }', '"args": { "A": "1" }, "target": "dev"'],
  ])('issue 10.4: a %s edit changes only the container fingerprint', (_what, from, to) => {
    const after = edited(from, to);
    expect(after.container).not.toBe(base.container);
    expect(after.lifecycle).toBe(base.lifecycle);
  });

  it('issue 10.4: a Dockerfile edit changes the container fingerprint', () => {
    const after = fingerprintsOf(parse(BASE), [{ ...dockerfile, content: 'FROM debian\nRUN true\n' }]);
    expect(after.container).not.toBe(base.container);
    expect(after.lifecycle).toBe(base.lifecycle);
    // Moving bytes between files is a change too.
    expect(fingerprintsOf({}, [{ path: 'a', content: 'xy' }, { path: 'b', content: '' }]).container)
      .not.toBe(fingerprintsOf({}, [{ path: 'a', content: 'x' }, { path: 'b', content: 'y' }]).container);
  });

  it.each([
    ['postCreateCommand', '"npm ci"', '"npm ci && npm run setup"'],
    ['onCreateCommand', '"name": "sample"', '"onCreateCommand": "make", "name": "sample"'],
    ['postStartCommand', '"name": "sample"', '"postStartCommand": "make serve", "name": "sample"'],
  ])('issue 10.4: a %s-only edit changes only the lifecycle fingerprint', (_what, from, to) => {
    const after = edited(from, to);
    expect(after.container).toBe(base.container);
    expect(after.lifecycle).not.toBe(base.lifecycle);
  });

  it('issue 10.4: every property of the CLI 0.89.0 configuration is classified', () => {
    // devcontainers/cli src/spec-configuration/configuration.ts (DevContainerFromImageConfig,
    // DevContainerFromDockerfileConfig, DevContainerFromDockerComposeConfig).
    const cliProperties = [
      'image', 'name', 'forwardPorts', 'appPort', 'portsAttributes', 'otherPortsAttributes', 'runArgs', 'shutdownAction',
      'overrideCommand', 'initializeCommand', 'onCreateCommand', 'updateContentCommand', 'postCreateCommand', 'postStartCommand',
      'postAttachCommand', 'waitFor', 'workspaceFolder', 'workspaceMount', 'mounts', 'containerEnv', 'containerUser', 'init',
      'privileged', 'capAdd', 'securityOpt', 'remoteEnv', 'remoteUser', 'updateRemoteUserUID', 'userEnvProbe', 'features',
      'overrideFeatureInstallOrder', 'hostRequirements', 'customizations', 'dockerFile', 'context', 'build',
      'dockerComposeFile', 'service', 'runServices',
    ];
    expect(cliProperties.filter((p) => !(p in PROPERTY_EFFECTS))).toEqual([]);
    expect(effectOf('someFutureKey')).toBe('none');
    expect(effectOf('toString')).toBe('none');
  });
});

describe('decideRecreate', () => {
  const current: Fingerprints = { format: 2, container: 'sha256:c2', lifecycle: 'sha256:l2' };

  it('issue 10.3: an old-format fingerprint is adopted without recreating, logged at info', () => {
    const decision = decideRecreate({ previous: 'sha256:0123', current, rebuild: false });
    expect(decision.recreate).toBe(false);
    expect(decision.record).toEqual(current);
    expect(decision.messages).toHaveLength(1);
    expect(decision.messages[0]).toMatchObject({ level: 'info', text: expect.stringContaining('older format') });
    // A format this builder does not know (a newer builder ran before): adopted too.
    expect(decideRecreate({ previous: { ...current, format: 3 } as unknown as Fingerprints, current, rebuild: false }).recreate).toBe(false);
  });

  it('keeps the container without a record, and for an unchanged configuration', () => {
    expect(decideRecreate({ current, rebuild: false })).toEqual({ recreate: false, record: current, messages: [] });
    expect(decideRecreate({ previous: current, current, rebuild: false })).toEqual({ recreate: false, record: current, messages: [] });
  });

  it('issue 10.4: a container change recreates; a lifecycle-only change warns and keeps reporting until a rebuild', () => {
    const changed = decideRecreate({ previous: { ...current, container: 'sha256:c1' }, current, rebuild: false });
    expect(changed).toMatchObject({ recreate: true, record: current });
    expect(changed.messages).toEqual([{ level: 'info', text: 'The dev container configuration changed since the last build: the dev container is recreated.' }]);

    const lifecycle = decideRecreate({ previous: { ...current, lifecycle: 'sha256:l1' }, current, rebuild: false });
    expect(lifecycle.recreate).toBe(false);
    expect(lifecycle.record).toEqual({ ...current, lifecycle: 'sha256:l1' });
    expect(lifecycle.messages).toEqual([{ level: 'warn', text: expect.stringContaining('takes effect when you restart the workspace with the rebuild parameter') }]);

    const rebuilt = decideRecreate({ previous: { ...current, lifecycle: 'sha256:l1' }, current, rebuild: true });
    expect(rebuilt).toMatchObject({ recreate: true, record: current });
  });

  it('issue 10.3: an unreadable devcontainer.json keeps the container and what it was made from', () => {
    const previous = { ...current, container: 'sha256:c1' };
    const decision = decideRecreate({ previous, problem: 'f.json:1:2: syntax error in devcontainer.json: x (line 1, column 2).', rebuild: false });
    expect(decision).toMatchObject({ recreate: false, record: previous });
    expect(decision.messages).toEqual([{ level: 'warn', text: expect.stringMatching(/^f\.json:1:2: syntax error .* the existing dev container is kept/) }]);
    expect(decideRecreate({ previous: 'sha256:old', rebuild: false })).toMatchObject({ recreate: false, record: undefined });
  });

  it('recognises stored fingerprints of both formats', () => {
    expect(isStoredFingerprint('sha256:abc')).toBe(true);
    expect(isStoredFingerprint(current)).toBe(true);
    expect(isStoredFingerprint({ format: 2, container: 'x' })).toBe(false);
    expect(isStoredFingerprint(42)).toBe(false);
  });
});

describe('buildInputsOf', () => {
  it('lists the Dockerfile, Compose files and local Features relative to the workspace, not devcontainer.json', () => {
    expect(buildInputsOf({ build: { dockerfile: '../docker/Dockerfile' }, features: { './local-feature': {}, 'ghcr.io/devcontainers/features/node:1': {} } }, '.devcontainer/devcontainer.json'))
      .toEqual({ files: ['docker/Dockerfile'], folders: ['.devcontainer/local-feature'] });
    expect(buildInputsOf({ dockerComposeFile: ['compose.yml', '../compose.override.yml'] }, '.devcontainer/devcontainer.json').files)
      .toEqual(['.devcontainer/compose.yml', 'compose.override.yml']);
    expect(buildInputsOf({ dockerFile: 'Dockerfile' }, '.devcontainer.json').files).toEqual(['Dockerfile']);
    expect(buildInputsOf({ image: 'debian' }, '.devcontainer/devcontainer.json')).toEqual({ files: [], folders: [] });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[{"x":2,"y":1}]},"b":1}');
  });
});
