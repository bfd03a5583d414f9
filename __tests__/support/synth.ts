// Synthesizes the template in-process into a temp dir and returns the parsed
// cdk.tf.json. Stable API: the end-to-end harness imports synthTemplate().
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeTemplate } from '../../template/synth.js';

/** The synthesized template: parsed `cdk.tf.json` and the stack folder it is in. */
export interface SynthesizedJson {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
  /** The stack folder (holds cdk.tf.json and the Coder README.md). */
  readonly dir: string;
}

let cached: Promise<SynthesizedJson> | undefined;

/** Synthesizes once per test process; every caller gets the same result. */
export function synthTemplate(): Promise<SynthesizedJson> {
  cached ??= Promise.resolve().then(() => {
    const { stackDir, tfJsonPath } = synthesizeTemplate(mkdtempSync(join(tmpdir(), 'template-synth-')));
    return { json: JSON.parse(readFileSync(tfJsonPath, 'utf8')), dir: stackDir };
  });
  return cached;
}
