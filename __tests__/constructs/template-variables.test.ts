import { describe, expect, it } from 'vitest';
import { DEFAULT_DIND_IMAGE, TemplateVariables } from '../../constructs/template-variables.js';
import { synth, testStack } from './helpers.js';

/**
 * Evaluates a variable's validation for a value, for the subset of Terraform
 * the conditions use (`==`, `||`, `length()`, `can(regex(...))`, `contains([...], v)`). Go's RE2 and
 * JavaScript agree on these patterns (no look-around, no back-references).
 */
function accepts(condition: string, name: string, value: string | number): boolean {
  const expr = condition.slice(2, -1);
  const js = expr
    .replaceAll(`var.${name}`, 'v')
    .replace(/can\(regex\("((?:[^"\\]|\\.)*)", v\)\)/g, (_m, p: string) => `new RegExp(${JSON.stringify(JSON.parse(`"${p}"`))}).test(v)`)
    .replace(/length\(v\)/g, 'v.length')
    .replace(/floor\(v\)/g, 'Math.floor(v)')
    .replace(/contains\((\[[^\]]*\]), v\)/g, '$1.includes(v)')
    .replaceAll('==', '===');
  return new Function('v', `return ${js};`)(value) as boolean;
}

describe('TemplateVariables', () => {
  const stack = testStack();
  new TemplateVariables(stack, 'variables', { version: '1.2.3' });
  const variables = synth(stack).variable;
  const ok = (name: string, value: string | number) => accepts(variables[name].validation[0].condition, name, value);

  it('declares string variables (gpu_count: a number) that are never null, with descriptions', () => {
    for (const [name, v] of Object.entries(variables) as [string, { type: string; nullable: boolean; description: string }][]) {
      expect(v).toMatchObject({ type: name === 'gpu_count' ? 'number' : 'string', nullable: false });
      expect(v.description.length).toBeGreaterThan(10);
    }
  });

  it('defaults the DinD image to an exact docker:<x.y.z>-dind tag', () => {
    expect(variables.dind_image.default).toBe(DEFAULT_DIND_IMAGE);
    expect(ok('dind_image', DEFAULT_DIND_IMAGE)).toBe(true);
    expect(ok('dind_image', 'mirror.example/library/docker:27.5.1-dind')).toBe(true);
    for (const bad of ['docker:dind', 'docker:28-dind', 'docker:28.5.1', 'docker:latest']) expect(ok('dind_image', bad)).toBe(false);
  });

  it('accepts every default value', () => {
    for (const [name, v] of Object.entries(variables) as [string, { default: string | number; validation?: unknown }][]) {
      if (v.validation !== undefined) expect(ok(name, v.default)).toBe(true);
    }
  });

  it('rejects malformed values', () => {
    expect(ok('namespace', 'Coder_Workspace')).toBe(false);
    expect(ok('builder_image', 'ghcr.io/x/builder')).toBe(false);
    expect(ok('cache_repo', 'ghcr.io/x/cache:tag')).toBe(false);
    expect(ok('registry_auth_secret', 'Not A Name')).toBe(false);
    expect(ok('runtime_class_name', 'sysbox_runc')).toBe(false);
    expect(ok('storage_class', 'Fast SSD')).toBe(false);
    expect(ok('external_auth_id', '')).toBe(false);
    expect(ok('agent_url', 'coder.svc:80')).toBe(false);
    expect(ok('arch', 'x86_64')).toBe(false);
    expect(ok('pvc_access_mode', 'ReadOnlyMany')).toBe(false);
  });

  it('issue 14.2: gpu_count is a whole number of GPUs from 0 to 16; gpu_runtime_class_name empty or a RuntimeClass name', () => {
    expect(variables.gpu_count.default).toBe(0);
    for (const good of [0, 1, 8, 16]) expect(ok('gpu_count', good)).toBe(true);
    for (const bad of [-1, 1.5, 17]) expect(ok('gpu_count', bad)).toBe(false);
    expect(variables.gpu_runtime_class_name.default).toBe('');
    expect(ok('gpu_runtime_class_name', 'nvidia')).toBe(true);
    expect(ok('gpu_runtime_class_name', 'Nvidia GPU')).toBe(false);
  });

  it('issue 11.6: accepts the arches and access modes a workspace pod can use', () => {
    for (const arch of ['amd64', 'arm64']) expect(ok('arch', arch)).toBe(true);
    for (const mode of ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany']) expect(ok('pvc_access_mode', mode)).toBe(true);
  });

  it('accepts well-formed optional values', () => {
    expect(ok('runtime_class_name', 'sysbox-runc')).toBe(true);
    expect(ok('agent_url', 'http://coder.coder.svc.cluster.local')).toBe(true);
    expect(ok('registry_auth_secret', 'ghcr-push')).toBe(true);
    expect(ok('storage_class', 'local-path')).toBe(true);
  });
});
