import { describe, expect, it } from 'vitest';
import { cacheImageRef, parseBuildxDriver, planCache } from '../../../builder/devcontainer/cache.js';
import { idLabelFor, idLabelsFor, labelFilterArgs, runUserCommandsArgs, upArgs } from '../../../builder/devcontainer/args.js';

const FROM = ['ghcr.io/o/cache'];

describe('planCache', () => {
  it('reads caches only when no cache target is set', () => {
    const plan = planCache({ cacheFrom: FROM, buildx: { available: true, driver: 'docker' } });
    expect(plan.cacheFrom).toEqual(['type=registry,ref=ghcr.io/o/cache']);
    expect(plan.cacheTo).toBeUndefined();
    expect(plan.pushImageTo).toBeUndefined();
    expect(plan.summary).toContain('DEVCONTAINER_CACHE_TO is not set');
  });

  it('without buildx: no --cache-to (the CLI drops it), the classic-built image is pushed, and it says why', () => {
    const plan = planCache({ cacheFrom: FROM, cacheTo: 'ghcr.io/o/cache', buildx: { available: false } });
    expect(plan.cacheTo).toBeUndefined();
    expect(plan.pushImageTo).toBe('ghcr.io/o/cache');
    expect(plan.summary).toContain('"docker buildx version" failed, so the classic builder builds');
  });

  it('with the docker driver (DinD): inline cache only, push the inline-cached image', () => {
    const plan = planCache({ cacheFrom: FROM, cacheTo: 'ghcr.io/o/cache:main', buildx: { available: true, driver: 'docker' } });
    expect(plan.cacheTo).toBe('type=inline');
    expect(plan.pushImageTo).toBe('ghcr.io/o/cache:main');
    expect(plan.summary).toContain('inline cache metadata');
    // An unknown driver is treated like docker: a rejected --cache-to would fail the build.
    expect(planCache({ cacheFrom: [], cacheTo: 'type=registry,ref=r/c,mode=max', buildx: { available: true } }).pushImageTo).toBe('r/c');
  });

  it('with an exporting driver: --cache-to as a registry cache, spec kept when given', () => {
    expect(planCache({ cacheFrom: FROM, cacheTo: 'ghcr.io/o/cache', buildx: { available: true, driver: 'docker-container' } }).cacheTo)
      .toBe('type=registry,ref=ghcr.io/o/cache,mode=max');
    expect(planCache({ cacheFrom: FROM, cacheTo: 'type=registry,ref=r/c', buildx: { available: true, driver: 'kubernetes' } }).cacheTo)
      .toBe('type=registry,ref=r/c');
  });

  it('issue 11.4: with registry credentials an exporting driver gets no registry --cache-to (the CLI cannot authenticate): inline, and the builder pushes the image', () => {
    const plan = planCache({ cacheFrom: FROM, cacheTo: 'ghcr.io/o/cache', credentials: true, buildx: { available: true, driver: 'docker-container' } });
    expect(plan.cacheTo).toBe('type=inline');
    expect(plan.pushImageTo).toBe('ghcr.io/o/cache');
    expect(plan.summary).toContain('credentials (DOCKER_CONFIG) are kept from the Dev Containers CLI');
  });
});

describe('parseBuildxDriver and cacheImageRef', () => {
  it('reads the driver of `docker buildx inspect`', () => {
    expect(parseBuildxDriver('Name:          default\nDriver:        docker\nLast Activity: …\n')).toBe('docker');
    expect(parseBuildxDriver('Name: b\nDriver: docker-container\n')).toBe('docker-container');
    expect(parseBuildxDriver('nothing here')).toBeUndefined();
  });

  it('extracts the image of a cache spec', () => {
    expect(cacheImageRef('ghcr.io/o/c:tag')).toBe('ghcr.io/o/c:tag');
    expect(cacheImageRef('type=registry,ref=ghcr.io/o/c:tag,mode=max')).toBe('ghcr.io/o/c:tag');
  });
});

describe('upArgs', () => {
  it('builds the devcontainer up argv with the id label, JSON logs and cache flags', () => {
    expect(upArgs({
      workspaceFolder: '/workspaces/repo',
      cache: { cacheFrom: ['a', 'b'], cacheTo: 'type=registry,ref=c', summary: '' },
      removeExisting: true,
      skipPostCreate: true,
    })).toEqual([
      'up', '--workspace-folder', '/workspaces/repo', '--id-label', 'devcontainer-builder.workspace=/workspaces/repo',
      '--log-format', 'json', '--update-remote-user-uid-default', 'off',
      '--cache-from', 'a', '--cache-from', 'b', '--cache-to', 'type=registry,ref=c', '--remove-existing-container', '--skip-post-create',
    ]);
    const plain = upArgs({ workspaceFolder: '/w' });
    expect(plain).not.toContain('--remove-existing-container');
    expect(plain).not.toContain('--cache-to');
    expect(idLabelFor('/w')).toBe('devcontainer-builder.workspace=/w');
  });

  it('passes the generation as a second id label from generation 1 on; generation 0 is the workspace label alone', () => {
    expect(idLabelsFor('/w')).toEqual(['devcontainer-builder.workspace=/w']);
    expect(idLabelsFor('/w', 0)).toEqual(['devcontainer-builder.workspace=/w']);
    expect(idLabelsFor('/w', 3)).toEqual(['devcontainer-builder.workspace=/w', 'devcontainer-builder.generation=3']);
    expect(upArgs({ workspaceFolder: '/w', generation: 2 }).slice(0, 7)).toEqual([
      'up', '--workspace-folder', '/w', '--id-label', 'devcontainer-builder.workspace=/w', '--id-label', 'devcontainer-builder.generation=2',
    ]);
    expect(runUserCommandsArgs('/w', 2)).toEqual(expect.arrayContaining(['--id-label', 'devcontainer-builder.generation=2']));
    expect(labelFilterArgs('/w', 1)).toEqual(['--filter', 'label=devcontainer-builder.workspace=/w', '--filter', 'label=devcontainer-builder.generation=1']);
  });
});
