import { TerraformVariable } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { DindSidecar } from '../../constructs/dind-sidecar.js';
import { podParts, pvcProps, resolve, testStack, variable } from './helpers.js';
import { WorkspacePvc } from '../../constructs/workspace-pvc.js';

describe('DindSidecar', () => {
  it('is a native sidecar: an init container with restart_policy Always, privileged by default', () => {
    const { stack, dind } = podParts();
    const c = resolve(stack, dind._toInitContainer());
    expect(c.name).toBe('dind');
    expect(c.restart_policy).toBe('Always');
    expect(c.security_context).toEqual({ privileged: true });
  });

  it('runs dockerd on a unix socket in the shared directory, with TLS off as docker:dind expects', () => {
    const { stack, dind } = podParts();
    const c = resolve(stack, dind._toInitContainer());
    expect(dind.dockerHost).toBe('unix:///var/run/dind/docker.sock');
    expect(c.args).toEqual(['dockerd', '--host=unix:///var/run/dind/docker.sock']);
    expect(c.env).toEqual([{ name: 'DOCKER_TLS_CERTDIR', value: '' }]);
    expect(dind.socketVolumeMount()).toEqual({ name: 'dind-socket', mountPath: '/var/run/dind' });
    expect(dind.socketVolume()).toEqual({ name: 'dind-socket', source: { empty_dir: {} } });
  });

  it('mounts Docker data, the workspaces claim at its own path, and the socket directory', () => {
    const { stack, dind } = podParts();
    expect(resolve(stack, dind._toInitContainer()).volume_mount).toEqual([
      { name: 'docker-data', mount_path: '/var/lib/docker' },
      { name: 'workspaces', mount_path: '/workspaces' },
      { name: 'dind-socket', mount_path: '/var/run/dind' },
    ]);
    expect(dind.volumes().map((v) => v.name)).toEqual(['dind-socket', 'docker-data', 'workspaces']);
  });

  it('probes startup with docker info against the socket for 2 minutes by default', () => {
    const { stack, dind } = podParts();
    expect(resolve(stack, dind._toInitContainer()).startup_probe).toEqual({
      exec: { command: ['docker', '--host=unix:///var/run/dind/docker.sock', 'info'] },
      period_seconds: 2,
      failure_threshold: 60,
      timeout_seconds: 5,
    });
  });

  it('follows a custom socket directory everywhere', () => {
    const { stack, dind } = podParts({ socketDirectory: '/run/docker' });
    const c = resolve(stack, dind._toInitContainer());
    expect(c.args).toEqual(['dockerd', '--host=unix:///run/docker/docker.sock']);
    expect(c.startup_probe.exec.command[1]).toBe('--host=unix:///run/docker/docker.sock');
    expect(dind.socketVolumeMount().mountPath).toBe('/run/docker');
  });

  it('drops privileged under a literal runtime class and decides at plan time for a variable', () => {
    expect(podParts({ runtimeClassName: 'sysbox-runc' }).dind.privileged).toBe(false);
    expect(podParts({ runtimeClassName: '' }).dind.privileged).toBe(true);
    const parts = podParts();
    const d = new DindSidecar(parts.stack, 'dind2', {
      image: 'docker:28.5.1-dind',
      workspaces: parts.workspaces,
      dockerData: parts.dockerData,
      runtimeClassName: variable(parts.stack, 'runtime_class_name'),
    });
    expect(resolve(parts.stack, d._toInitContainer()).security_context).toEqual({ privileged: '${var.runtime_class_name == ""}' });
  });

  it('fails when socketDirectory is relative', () => {
    expect(() => podParts({ socketDirectory: 'run' })).toThrowError('DindSidecar: socketDirectory must be absolute, got "run".');
  });

  it('fails when a startup probe setting is below 1', () => {
    expect(() => podParts({ startupProbePeriodSeconds: 0 })).toThrowError(
      'DindSidecar: startupProbePeriodSeconds and startupProbeFailureThreshold must be at least 1, got 0 and 60.',
    );
  });

  it('fails when the startup probe would wait more than 10 minutes', () => {
    expect(() => podParts({ startupProbePeriodSeconds: 10, startupProbeFailureThreshold: 61 })).toThrowError(
      'DindSidecar: the startup probe would wait up to 610 s for Docker; keep periodSeconds × failureThreshold at most 600.',
    );
  });

  it.each(['image', 'workspaces', 'dockerData'] as const)('fails when the required prop %s is missing', (prop) => {
    const stack = testStack();
    const pvc = new WorkspacePvc(stack, 'w', pvcProps());
    const props: Record<string, unknown> = { image: 'docker:28.5.1-dind', workspaces: pvc, dockerData: pvc };
    delete props[prop];
    expect(() => new DindSidecar(stack, 'dind', props as never)).toThrowError(`DindSidecar: required prop "${prop}" is missing; pass it to the constructor.`);
  });
});

describe('issue 14.2: DindSidecar GPUs', () => {
  it('adds no GPU limit by default or for 0', () => {
    const { stack, dind } = podParts({ resources: { limits: { cpu: '2', memory: '4Gi' } } });
    expect(resolve(stack, dind._toInitContainer()).resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
    const zero = podParts({ resources: { limits: { cpu: '2' } }, gpuCount: 0 });
    expect(resolve(zero.stack, zero.dind._toInitContainer()).resources.limits).toEqual({ cpu: '2' });
  });

  it('a literal count is a nvidia.com/gpu limit (limits only: the request follows it)', () => {
    const { stack, dind } = podParts({ resources: { requests: { cpu: '250m' }, limits: { cpu: '2' } }, gpuCount: 2 });
    const r = resolve(stack, dind._toInitContainer()).resources;
    expect(r.limits).toEqual({ cpu: '2', 'nvidia.com/gpu': '2' });
    expect(r.requests).toEqual({ cpu: '250m' });
  });

  it('a variable count merges the limit in at plan time only when it is above 0', () => {
    const parts = podParts();
    const v = new TerraformVariable(parts.stack, 'gpu_count', { type: 'number', default: 0 });
    v.overrideLogicalId('gpu_count');
    const d = new DindSidecar(parts.stack, 'dind_gpu', { image: 'docker:28.5.1-dind', workspaces: parts.workspaces, dockerData: parts.dockerData, resources: { limits: { cpu: '2' } }, gpuCount: v.numberValue });
    expect(resolve(parts.stack, d._toInitContainer()).resources.limits).toBe('${merge({"cpu" = "2"}, (var.gpu_count >= 1) ? {"nvidia.com/gpu" = tostring(var.gpu_count)} : {})}');
  });

  it('rejects a count that is not a whole number', () => {
    expect(() => podParts({ gpuCount: 1.5 })).toThrow('DindSidecar: gpuCount must be a whole number of GPUs (0 for none), got 1.5.');
    expect(() => podParts({ gpuCount: -1 })).toThrow(/whole number/);
  });
});
