import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { TemplateStack } from '../constructs/template-stack.js';

/** Name of the stack, of its output folder and of the Coder template. */
export const STACK_NAME = 'coder-devcontainer-kubernetes';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The project version from version.txt. */
export function projectVersion(): string {
  return readFileSync(join(root, 'version.txt'), 'utf8').trim();
}

/** Where {@link synthesizeTemplate} wrote the template. */
export interface SynthesizedTemplate {
  /** The stack folder: push it with `coder templates push -d`. */
  readonly stackDir: string;
  /** Path of `cdk.tf.json`. */
  readonly tfJsonPath: string;
}

/**
 * Synthesizes the template into `outdir` (default: `CDKTF_OUTDIR`, as set by
 * `cdktf synth`, else `cdktf.out`) and puts the Coder template README next to
 * `cdk.tf.json`. Needs no Terraform providers.
 */
export function synthesizeTemplate(outdir?: string): SynthesizedTemplate {
  const app = new App({ outdir, skipValidation: false });
  new TemplateStack(app, STACK_NAME, { version: projectVersion() });
  app.synth();
  const stackDir = join(app.outdir, 'stacks', STACK_NAME);
  copyFileSync(join(root, 'template', 'README.md'), join(stackDir, 'README.md'));
  return { stackDir, tfJsonPath: join(stackDir, 'cdk.tf.json') };
}
