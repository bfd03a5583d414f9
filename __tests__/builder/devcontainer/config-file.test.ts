import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findConfigFile, parseDevcontainerJson, readDevcontainerConfig } from '../../../builder/devcontainer/config-file.js';
import { DevcontainerUpError } from '../../../builder/errors.js';

describe('readDevcontainerConfig', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const folder = (files: Record<string, string>) => {
    const root = mkdtempSync(path.join(tmpdir(), 'config-file-'));
    dir = root;
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    return root;
  };

  it('issue 10.3: looks where the CLI looks: .devcontainer/devcontainer.json, then .devcontainer.json', async () => {
    expect(await findConfigFile(folder({ '.devcontainer/devcontainer.json': '{}', '.devcontainer.json': '{}' }))).toBe('.devcontainer/devcontainer.json');
    rmSync(dir!, { recursive: true });
    expect(await findConfigFile(folder({ '.devcontainer.json': '{}' }))).toBe('.devcontainer.json');
    rmSync(dir!, { recursive: true });
    // A folder of that name is not a file; sub-folder configurations need --config, which the builder does not pass.
    expect(await findConfigFile(folder({ '.devcontainer/devcontainer.json/x': '', '.devcontainer/python/devcontainer.json': '{}' }))).toBeUndefined();
  });

  it('issue 10.3: returns the name, whether Compose is used, and the file', async () => {
    const read = await readDevcontainerConfig(folder({ '.devcontainer.json': '// c\n{"name": "svc", "dockerComposeFile": "compose.yml", "service": "app",}' }));
    expect(read).toEqual({
      configFile: '.devcontainer.json',
      configFilePath: path.join(dir!, '.devcontainer.json'),
      config: { name: 'svc', dockerComposeFile: 'compose.yml', service: 'app' },
      name: 'svc',
      usesCompose: true,
    });
    const plain = await readDevcontainerConfig(folder({ '.devcontainer/devcontainer.json': '{"image": "debian"}' }));
    expect({ name: plain.name, usesCompose: plain.usesCompose }).toEqual({ name: undefined, usesCompose: false });
  });

  it('says how to fix a missing configuration', async () => {
    const error = await readDevcontainerConfig(folder({ 'README.md': '' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevcontainerUpError);
    expect((error as Error).message).toBe(`No dev container configuration in ${dir!}: add .devcontainer/devcontainer.json (or .devcontainer.json) to the repository.`);
  });

  it('issue 10.3: a syntax error is one BuilderError naming the file, line and column', () => {
    const error = (() => {
      try {
        return parseDevcontainerJson('{\n  "image": "debian",\n  "features": { "x": {} }\n  "remoteUser": "vscode"\n}', '/w/.devcontainer/devcontainer.json');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DevcontainerUpError);
    expect(error).toMatchObject({ step: 'devcontainer-up', exitCode: 1 });
    expect((error as Error).message).toBe(
      '/w/.devcontainer/devcontainer.json:4:3: syntax error in devcontainer.json: expected "," or "}" but found "\\"" (line 4, column 3). '
        + 'Fix the file (comments and trailing commas are allowed) and restart the workspace.',
    );
  });

  it('requires an object, as the CLI does', () => {
    expect(() => parseDevcontainerJson('[]', 'f.json')).toThrow('f.json must contain a JSON object ({ … }), not an array.');
    expect(() => parseDevcontainerJson('"x"', 'f.json')).toThrow('f.json must contain a JSON object ({ … }), not "x".');
  });
});
