// The production Dockerfile's pins: exact base tags, and the same Docker
// release as the template's default DinD sidecar, so the CLI in the builder
// never runs ahead of the daemon it talks to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DIND_IMAGE } from '../constructs/template-variables.js';

const dockerfile = readFileSync(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8');
const arg = (name: string) => dockerfile.match(new RegExp(`^ARG ${name}=(\\S+)$`, 'm'))?.[1];

describe('Dockerfile', () => {
  it('pins an exact Node 22 bookworm-slim base', () => {
    expect(arg('NODE_IMAGE')).toMatch(/^node:22\.\d+\.\d+-bookworm-slim$/);
  });

  it('pins the Docker CLI to the release of the default DinD image', () => {
    const dind = DEFAULT_DIND_IMAGE.match(/^docker:(\d+\.\d+\.\d+)-dind$/)?.[1];
    expect(dind).toBeDefined();
    expect(arg('DOCKER_CLI_IMAGE')).toBe(`docker:${dind}-cli`);
  });

  it('selects its bases only through the two build args', () => {
    const froms = dockerfile.match(/^FROM .*$/gm);
    expect(froms).toEqual(['FROM ${DOCKER_CLI_IMAGE} AS docker-cli', 'FROM ${NODE_IMAGE}']);
  });

  it('leaves only args to the template', () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["tini", "--", "devcontainer-builder"\]$/m);
    expect(dockerfile).not.toMatch(/^CMD /m);
    expect(dockerfile).not.toMatch(/^USER /m);
  });
});
