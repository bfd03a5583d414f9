import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const fixturesRoot = resolve(import.meta.dirname, 'fixtures');

/** The files of `bench/fixtures/<name>`, keyed by relative path, for the git server. */
export async function benchFixture(name: string): Promise<Record<string, string>> {
  const root = join(fixturesRoot, name);
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files[relative(root, path)] = await readFile(path, 'utf8');
    }
  };
  await walk(root);
  return files;
}
