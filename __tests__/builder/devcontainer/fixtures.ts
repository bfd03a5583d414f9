import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../fixtures/devcontainer-up');

/** Cases recorded from the real Dev Containers CLI 0.89.0 by `record.mts`. */
export type RecordedCase = 'success' | 'build-failure' | 'lifecycle-failure' | 'run-user-commands-failure';

/** One recorded CLI run: its stdout, stderr lines and exit code. */
export function recorded(name: RecordedCase): { stdout: string; stderrLines: string[]; exitCode: number } {
  const read = (file: string) => readFileSync(path.join(root, name, file), 'utf8');
  return {
    stdout: read('stdout.txt'),
    stderrLines: read('stderr.txt').split('\n').filter((l, i, all) => l !== '' || i < all.length - 1),
    exitCode: Number(read('exit-code.txt').trim()),
  };
}
