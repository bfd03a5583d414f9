import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Cases recorded by `__tests__/fixtures/read-configuration/record.sh` (CLI 0.89.0). */
export type ReadConfigurationCase = 'features-and-removals' | 'removal-in-image-metadata' | 'no-customizations';

/** The recorded stdout of `devcontainer read-configuration --include-merged-configuration`. */
export function recordedOutput(name: ReadConfigurationCase): string {
  const url = new URL(`../../fixtures/read-configuration/${name}/output.json`, import.meta.url);
  return readFileSync(fileURLToPath(url), 'utf8');
}
