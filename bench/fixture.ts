import { join, resolve } from 'node:path';
import { treeFiles } from '../__tests__/e2e/workspace-pod.js';

const fixturesRoot = resolve(import.meta.dirname, 'fixtures');

/** The files of `bench/fixtures/<name>`, keyed by relative path, for the git server. */
export function benchFixture(name: string): Promise<Record<string, string>> {
  return treeFiles(join(fixturesRoot, name));
}
