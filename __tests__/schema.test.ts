import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTerraformJson, loadSchemas, type SchemaIndex } from './support/terraform-schema.js';
import { IN_CI, sharedDir } from './support/shared-dir.js';
import { synthTemplate } from './support/synth.js';

// The provider schemas hashicorp/kubernetes v3.0.1 and coder/coder v2.17.0
// (../shared/terraform-schemas/README.md), else the project's copies of the
// types the template uses (__tests__/fixtures/terraform-schemas/README.md).
const COPY_DIR = join(import.meta.dirname, 'fixtures', 'terraform-schemas');
const SHARED = sharedDir();
const SHARED_SCHEMAS = SHARED === undefined ? undefined : join(SHARED, 'terraform-schemas');
const SCHEMA_DIR = SHARED_SCHEMAS ?? COPY_DIR;

describe('the schema checker', () => {
  // A tiny schema in the `terraform providers schema -json` shape.
  const schemas: SchemaIndex = {
    resources: {
      thing: {
        block: {
          attributes: {
            name: { required: true },
            size: { optional: true },
            uid: { computed: true },
            old: { optional: true, deprecated: true },
          },
          block_types: {
            spec: {
              nesting_mode: 'list',
              max_items: 1,
              min_items: 1,
              block: { attributes: { image: { required: true } }, block_types: { env: { nesting_mode: 'list', block: { attributes: { name: { required: true } } } } } },
            },
          },
        },
      },
    },
    dataSources: {},
  };
  const check = (body: Record<string, unknown>) => checkTerraformJson({ resource: { thing: { a: body } } }, schemas);

  it('accepts a body that follows the schema, with meta-arguments and dynamic blocks', () => {
    const report = check({
      '//': {},
      count: 1,
      name: 'x',
      spec: { image: 'i', dynamic: { env: { for_each: '${[1]}', content: { name: 'A' } } } },
    });
    expect(report.errors).toEqual([]);
  });

  it('fails on a misspelled attribute', () => {
    expect(check({ name: 'x', szie: 1, spec: { image: 'i' } }).errors).toEqual(['thing.a.szie: unknown attribute or block']);
  });

  it('fails on a misspelled nested attribute', () => {
    expect(check({ name: 'x', spec: { image: 'i', imgae: 'j' } }).errors).toEqual(['thing.a.spec[0].imgae: unknown attribute or block']);
  });

  it('fails on a missing required attribute and a missing required block', () => {
    expect(check({}).errors).toEqual(['thing.a: missing required attribute "name"', 'thing.a: missing required block "spec"']);
  });

  it('fails when a block is repeated beyond max_items', () => {
    expect(check({ name: 'x', spec: [{ image: 'i' }, { image: 'j' }] }).errors).toEqual(['thing.a.spec: 2 blocks, at most 1 allowed']);
  });

  it('fails when a computed-only attribute is set', () => {
    expect(check({ name: 'x', uid: 'u', spec: { image: 'i' } }).errors).toEqual(['thing.a.uid: computed-only attribute cannot be set']);
  });

  it('fails on a dynamic block of an unknown type or with bad content', () => {
    const report = check({ name: 'x', spec: { image: 'i', dynamic: { envs: { for_each: '', content: {} }, env: { content: { nmae: 'A' } } } } });
    expect(report.errors).toEqual([
      'thing.a.spec[0].dynamic.envs: unknown block',
      'thing.a.spec[0].dynamic.env[0]: missing for_each',
      'thing.a.spec[0].dynamic.env[0].content.nmae: unknown attribute or block',
      'thing.a.spec[0].dynamic.env[0].content: missing required attribute "name"',
    ]);
  });

  it('fails on a resource type the schemas do not know', () => {
    expect(checkTerraformJson({ resource: { thang: { a: {} } } }, schemas).errors).toEqual(['thang.a: no schema for resource type "thang"']);
  });

  it('reports deprecated attributes without failing', () => {
    expect(check({ name: 'x', old: 'o', spec: { image: 'i' } })).toEqual({ errors: [], deprecated: ['thing.a.old'] });
  });
});

describe('the synthesized template against the provider schemas', () => {
  const schemas = loadSchemas(SCHEMA_DIR, ['kubernetes', 'coder']);

  it('has no unknown, missing or over-repeated attributes and blocks', async () => {
    const { json } = await synthTemplate();
    expect(checkTerraformJson(json, schemas).errors).toEqual([]);
  });

  it('issue 11.9: uses no deprecated attribute (coder_agent.dir warns on every plan in coder/coder 2.17.0)', async () => {
    const { json } = await synthTemplate();
    expect(checkTerraformJson(json, schemas).deprecated).toEqual([]);
  });

  it.skipIf(SHARED_SCHEMAS === undefined)("uses project copies that match the shared schemas for the template's types", async () => {
    const { json } = await synthTemplate();
    const shared = loadSchemas(SHARED_SCHEMAS as string, ['kubernetes', 'coder']);
    const copy = loadSchemas(COPY_DIR, ['kubernetes', 'coder']);
    for (const type of Object.keys(json.resource)) expect(copy.resources[type], type).toEqual(shared.resources[type]);
    for (const type of Object.keys(json.data)) expect(copy.dataSources[type], type).toEqual(shared.dataSources[type]);
  });

  it('checks every resource and data source type the template uses', async () => {
    const { json } = await synthTemplate();
    const used = [...Object.keys(json.resource), ...Object.keys(json.data).map((t) => `data.${t}`)].sort();
    expect(used).toEqual([
      'coder_agent',
      'coder_ai_task',
      'coder_app',
      'coder_env',
      'coder_metadata',
      'coder_script',
      'data.coder_external_auth',
      'data.coder_parameter',
      'data.coder_task',
      'data.coder_workspace',
      'data.coder_workspace_owner',
      'data.coder_workspace_preset',
      'kubernetes_deployment_v1',
      'kubernetes_persistent_volume_claim_v1',
      'kubernetes_secret_v1',
    ]);
  });

  it('catches a typo in a binding: a misspelled agent attribute fails', async () => {
    const { json } = await synthTemplate();
    const broken = structuredClone(json);
    broken.resource.coder_agent.main.conection_timeout = broken.resource.coder_agent.main.connection_timeout;
    expect(checkTerraformJson(broken, schemas).errors).toEqual(['coder_agent.main.conection_timeout: unknown attribute or block']);
  });
});

// Terraform 1.11 `validate` against the same schemas, with stub providers and
// module stubs (../shared/tfvalidate/README.md); the modules' interfaces the
// template calls are declared in template/module-interfaces.json.
describe('the synthesized template under terraform validate', () => {
  const MODULE_INTERFACES = join(import.meta.dirname, '..', 'template', 'module-interfaces.json');
  const runSh = SHARED === undefined ? undefined : join(SHARED, 'tfvalidate', 'run.sh');
  if (runSh === undefined) {
    if (IN_CI) it('has ../shared/tfvalidate (required in CI)', () => expect.fail('../shared/tfvalidate is missing; set SHARED_DIR or check it out next to the repository'));
    else console.warn('schema.test.ts: ../shared/tfvalidate is absent (set SHARED_DIR), terraform validate is skipped');
  }
  const validate = (file: string) =>
    spawnSync('bash', [runSh as string, file], {
      encoding: 'utf8',
      env: { ...process.env, TFVALIDATE_MODULE_INTERFACES: MODULE_INTERFACES },
      timeout: 180_000,
    });

  it.skipIf(runSh === undefined)('is valid for Terraform with the coder 2.17.0 and kubernetes 3.0.1 schemas', async () => {
    const { dir } = await synthTemplate();
    const r = validate(join(dir, 'cdk.tf.json'));
    expect(`${r.stdout}${r.stderr}`).toMatch(/tfvalidate: valid: 0 error\(s\), 0 warning\(s\)/);
    expect(r.status).toBe(0);
  });

  it.skipIf(runSh === undefined)('fails on a template Terraform rejects (a misspelled agent argument)', async () => {
    const { json } = await synthTemplate();
    const broken = structuredClone(json);
    broken.resource.coder_agent.main.conection_timeout = 1;
    const file = join(mkdtempSync(join(tmpdir(), 'tfvalidate-broken-')), 'cdk.tf.json');
    writeFileSync(file, JSON.stringify(broken));
    const r = validate(file);
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/conection_timeout/);
  });
});
