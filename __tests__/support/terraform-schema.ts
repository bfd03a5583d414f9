// Checks synthesized Terraform JSON against provider schemas in the format of
// `terraform providers schema -json` (see ../shared/terraform-schemas/README.md):
// unknown attributes or blocks, missing required ones, computed-only
// attributes set, and min/max_items of blocks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from './shared-dir.js';

interface Attribute {
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly deprecated?: boolean;
}
interface Block {
  readonly attributes?: Record<string, Attribute>;
  readonly block_types?: Record<string, BlockType>;
}
interface BlockType {
  readonly nesting_mode: string;
  readonly block: Block;
  readonly min_items?: number;
  readonly max_items?: number;
}
/** Resource and data source schemas by Terraform type name. */
export interface SchemaIndex {
  readonly resources: Record<string, { block: Block }>;
  readonly dataSources: Record<string, { block: Block }>;
}

/** What the check found: errors fail, deprecations are reported. */
export interface SchemaReport {
  readonly errors: string[];
  readonly deprecated: string[];
}

/** Terraform's meta-arguments, allowed on every resource and data source. */
const META = new Set(['//', 'count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

/** Loads and merges `<dir>/<name>.json` for each provider name. */
export function loadSchemas(dir: string, names: readonly string[]): SchemaIndex {
  const index = { resources: {}, dataSources: {} } as { resources: Record<string, { block: Block }>; dataSources: Record<string, { block: Block }> };
  for (const name of names) {
    const file = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
    for (const provider of Object.values(file.provider_schemas) as { resource_schemas?: object; data_source_schemas?: object }[]) {
      Object.assign(index.resources, provider.resource_schemas);
      Object.assign(index.dataSources, provider.data_source_schemas);
    }
  }
  return index;
}

/** Checks every `resource` and `data` entry of a Terraform JSON document. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkTerraformJson(doc: any, schemas: SchemaIndex): SchemaReport {
  const report: SchemaReport = { errors: [], deprecated: [] };
  const sections: [string, Record<string, Record<string, unknown>> | undefined, SchemaIndex['resources']][] = [
    ['resource', doc.resource, schemas.resources],
    ['data', doc.data, schemas.dataSources],
  ];
  for (const [kind, entries, index] of sections) {
    for (const [type, instances] of Object.entries(entries ?? {})) {
      const schema = index[type];
      for (const [name, body] of Object.entries(instances)) {
        const at = `${kind === 'data' ? 'data.' : ''}${type}.${name}`;
        if (!schema) report.errors.push(`${at}: no schema for ${kind} type "${type}"`);
        else checkBody(body as Record<string, unknown>, schema.block, at, report, true);
      }
    }
  }
  return report;
}

function checkBody(body: Record<string, unknown>, block: Block, at: string, report: SchemaReport, topLevel = false): void {
  const attributes = block.attributes ?? {};
  const blockTypes = block.block_types ?? {};
  for (const [key, value] of Object.entries(body)) {
    if (key === '//' || (topLevel && META.has(key))) continue;
    if (key === 'dynamic') {
      checkDynamic(value as Record<string, unknown>, blockTypes, at, report);
      continue;
    }
    const attribute = attributes[key];
    if (attribute) {
      if (attribute.computed && !attribute.optional && !attribute.required) report.errors.push(`${at}.${key}: computed-only attribute cannot be set`);
      if (attribute.deprecated) report.deprecated.push(`${at}.${key}`);
      continue;
    }
    const blockType = blockTypes[key];
    if (!blockType) {
      report.errors.push(`${at}.${key}: unknown attribute or block`);
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    if (blockType.max_items !== undefined && items.length > blockType.max_items) {
      report.errors.push(`${at}.${key}: ${items.length} blocks, at most ${blockType.max_items} allowed`);
    }
    items.forEach((item, i) => checkBody(item as Record<string, unknown>, blockType.block, `${at}.${key}[${i}]`, report));
  }
  for (const [name, attribute] of Object.entries(attributes)) {
    if (attribute.required && !(name in body)) report.errors.push(`${at}: missing required attribute "${name}"`);
  }
  for (const [name, blockType] of Object.entries(blockTypes)) {
    const present = name in body || (typeof body.dynamic === 'object' && body.dynamic !== null && name in body.dynamic);
    if ((blockType.min_items ?? 0) > 0 && !present) report.errors.push(`${at}: missing required block "${name}"`);
  }
}

function checkDynamic(dynamic: Record<string, unknown>, blockTypes: Record<string, BlockType>, at: string, report: SchemaReport): void {
  for (const [name, spec] of Object.entries(dynamic)) {
    const blockType = blockTypes[name];
    if (!blockType) {
      report.errors.push(`${at}.dynamic.${name}: unknown block`);
      continue;
    }
    const specs = (Array.isArray(spec) ? spec : [spec]) as Record<string, unknown>[];
    specs.forEach((s, i) => {
      const where = `${at}.dynamic.${name}[${i}]`;
      if (!('for_each' in s)) report.errors.push(`${where}: missing for_each`);
      if (typeof s.content !== 'object' || s.content === null) report.errors.push(`${where}: missing content`);
      else checkBody(s.content as Record<string, unknown>, blockType.block, `${where}.content`, report);
    });
  }
}

/**
 * Folder of the provider schemas: ../shared/terraform-schemas when present
 * (SHARED_DIR for a worktree elsewhere), else the project's copies of the
 * types the template uses (__tests__/fixtures/terraform-schemas/README.md).
 */
export function providerSchemaDir(): string {
  const shared = sharedDir();
  return shared === undefined ? join(import.meta.dirname, '..', 'fixtures', 'terraform-schemas') : join(shared, 'terraform-schemas');
}
