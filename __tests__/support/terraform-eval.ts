// Evaluates a `locals` entry of the synthesized template with the real
// Terraform CLI (`terraform console`, which needs no providers and no `init`
// for a configuration of variables and locals only), so that tests see what
// Terraform would compute at plan time instead of re-implementing its
// functions (replace, regex, format, …).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Terraform binary (`TERRAFORM`, as ../shared/tfvalidate uses it), else `terraform` on PATH. */
export const TERRAFORM = process.env.TERRAFORM ?? 'terraform';

/** Whether the Terraform CLI runs here. */
export function terraformAvailable(): boolean {
  return spawnSync(TERRAFORM, ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The value of `local.<name>` of a Terraform JSON template, with each
 * reference in `refs` (expression text such as `coder_agent.main.init_script`
 * → value) given as a string. Locals it refers to are evaluated too; any
 * other reference is an error of Terraform's, so a test cannot miss one.
 */
export function evaluateLocal(template: unknown, name: string, refs: Readonly<Record<string, string>>): string {
  const locals = ((template as { locals?: Record<string, string> }).locals ?? {}) as Record<string, string>;
  if (locals[name] === undefined) throw new Error(`the template has no local "${name}"`);
  const keys = Object.keys(refs).sort((a, b) => b.length - a.length);
  const variable = (i: number) => `ref_${i}`;
  const rewrite = (text: string) => keys.reduce((t, key, i) => t.split(key).join(`var.${variable(i)}`), text);
  const config = {
    variable: Object.fromEntries(keys.map((key, i) => [variable(i), { type: 'string', default: refs[key] }])),
    locals: Object.fromEntries(Object.entries(locals).map(([k, v]) => [k, rewrite(v)])),
  };
  const dir = mkdtempSync(join(tmpdir(), 'tf-eval-'));
  try {
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config));
    // base64: the console's quoting of strings (heredocs, `$${` escapes) stays out of the way.
    const out = execFileSync(TERRAFORM, ['console'], {
      cwd: dir,
      input: `base64encode(local.${name})\n`,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'none.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    const match = /"([A-Za-z0-9+/=]*)"/.exec(out);
    if (!match) throw new Error(`terraform console printed no string for local.${name}: ${out}`);
    return Buffer.from(match[1] as string, 'base64').toString('utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
