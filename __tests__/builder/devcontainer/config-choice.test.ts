import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseConfig, chosenConfigFile, configPathProblem, listConfigFiles } from '../../../builder/devcontainer/config-choice.js';
import { DevcontainerUpError } from '../../../builder/errors.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const checkout = (files: string[]) => {
  dir = mkdtempSync(path.join(tmpdir(), 'config-choice-'));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), '{}');
  }
  return dir;
};
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error);

describe('issue 14.4: named dev container configurations', () => {
  it('lists the default configurations first, then .devcontainer/<name>/devcontainer.json sorted, one folder deep', async () => {
    const root = checkout(['.devcontainer.json', '.devcontainer/devcontainer.json', '.devcontainer/python/devcontainer.json', '.devcontainer/go/devcontainer.json', '.devcontainer/a/b/devcontainer.json', '.devcontainer/node/other.json']);
    expect(await listConfigFiles(root)).toEqual(['.devcontainer/devcontainer.json', '.devcontainer.json', '.devcontainer/go/devcontainer.json', '.devcontainer/python/devcontainer.json']);
  });

  it('with a default configuration and named ones, keeps the CLI lookup and says which one it uses and how to pick another', async () => {
    const choice = await chooseConfig(checkout(['.devcontainer/devcontainer.json', '.devcontainer/python/devcontainer.json']), undefined);
    expect(choice.configFile).toBeUndefined();
    expect(choice.messages).toEqual([{
      level: 'info',
      text: 'The repository has 2 dev container configurations:\n  .devcontainer/devcontainer.json\n  .devcontainer/python/devcontainer.json\n'
        + "Using .devcontainer/devcontainer.json (the Dev Containers CLI's default); set the devcontainer_config parameter to use another.",
    }]);
  });

  it('says nothing when there is only the default configuration', async () => {
    expect(await chooseConfig(checkout(['.devcontainer.json']), undefined)).toEqual({ found: ['.devcontainer.json'], messages: [] });
  });

  it('uses the only named configuration when there is no default one (the CLI would find none)', async () => {
    const choice = await chooseConfig(checkout(['.devcontainer/python/devcontainer.json']), undefined);
    expect(choice.configFile).toBe('.devcontainer/python/devcontainer.json');
    expect(choice.messages[0]!.text).toBe('Using .devcontainer/python/devcontainer.json, the only dev container configuration in the repository.');
  });

  it('fails with the list and the parameter to set when several named configurations exist and none is chosen', async () => {
    const error = await failure(chooseConfig(checkout(['.devcontainer/python/devcontainer.json', '.devcontainer/go/devcontainer.json']), undefined));
    expect(error).toBeInstanceOf(DevcontainerUpError);
    expect(error.message).toBe(
      'The repository has 2 dev container configurations and none at .devcontainer/devcontainer.json:\n  .devcontainer/go/devcontainer.json\n  .devcontainer/python/devcontainer.json\n'
        + 'Set the devcontainer_config parameter to one of them (e.g. coder update <workspace> --parameter devcontainer_config=.devcontainer/go/devcontainer.json).',
    );
  });

  it('uses the chosen file, normalized', async () => {
    const root = checkout(['.devcontainer/devcontainer.json', '.devcontainer/python/devcontainer.json']);
    const choice = await chooseConfig(root, './.devcontainer/python//devcontainer.json');
    expect(choice.configFile).toBe('.devcontainer/python/devcontainer.json');
    expect(choice.messages).toEqual([{ level: 'info', text: 'Using .devcontainer/python/devcontainer.json (devcontainer_config parameter).' }]);
    expect(await chosenConfigFile(root, '.devcontainer/python/devcontainer.json')).toBe(path.join(root, '.devcontainer/python/devcontainer.json'));
    expect(await chosenConfigFile(root, undefined)).toBeUndefined();
  });

  it('fails naming the parameter and the configurations found when the chosen file does not exist', async () => {
    const error = await failure(chooseConfig(checkout(['.devcontainer/devcontainer.json', '.devcontainer/go/devcontainer.json']), '.devcontainer/pyhton/devcontainer.json'));
    expect(error).toBeInstanceOf(DevcontainerUpError);
    expect(error.message).toBe(
      'The devcontainer_config parameter names .devcontainer/pyhton/devcontainer.json, which is not a file in the repository. The repository has:\n'
        + '  .devcontainer/devcontainer.json\n  .devcontainer/go/devcontainer.json\nSet devcontainer_config to one of them, or clear it for the default lookup.',
    );
    const none = await failure(chooseConfig(checkout([]), 'x.json'));
    expect(none.message).toMatch(/The repository has no devcontainer.json: add one, or clear the parameter\.$/);
  });

  it.each([
    ['/etc/devcontainer.json', /is absolute/],
    ['../other/devcontainer.json', /leaves the repository/],
    ['.devcontainer/../../x.json', /leaves the repository/],
    ['.devcontainer/', /names a folder/],
    ['.', /names a folder/],
  ])('rejects %s: relative and inside the checkout only', async (value, pattern) => {
    expect(configPathProblem(value)).toMatch(pattern);
    const error = await failure(chooseConfig(checkout(['.devcontainer/devcontainer.json']), value));
    expect(error.message).toMatch(new RegExp(`^The devcontainer_config parameter "${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" `));
    expect(error.message).toMatch(/\.devcontainer\/devcontainer\.json/);
  });

  it('a folder of the chosen name is not a file', async () => {
    const root = checkout(['.devcontainer/x/devcontainer.json/inner']);
    expect((await failure(chooseConfig(root, '.devcontainer/x/devcontainer.json'))).message).toMatch(/is not a file in the repository/);
  });
});
