import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bareOverride } from '../../bench/restart.js';
import type { ResolvedContainer } from '../support/pod-runner.js';

const container = (name: string, env: Record<string, string> = {}): ResolvedContainer => ({
  name, kind: name === 'devcontainer-agent' ? 'main' : 'init', image: 'builder:local', templateImage: 'builder', args: [name === 'devcontainer-agent' ? 'agent' : 'up'],
  env: new Map(Object.entries(env)), mounts: [{ volume: 'workspaces', path: '/workspaces', readOnly: false }],
  privileged: false, runAsNonRoot: false, noNewPrivileges: false, readOnlyRoot: false, capAdd: [], capDrop: [],
});

describe('the bare pod of the restart bench', () => {
  const override = bareOverride('dev');

  it('runs bare devcontainer up with the arguments of the builder\'s plain restart (stopping after waitFor, as the builder does), in the same container spec', () => {
    const init = container('devcontainer-builder', { DOCKER_HOST: 'unix:///var/run/dind/docker.sock' });
    const bare = override(init)!;
    expect(bare.command).toEqual(['tini', '--', 'devcontainer']);
    expect(bare.args).toEqual([
      'up', '--workspace-folder', '/workspaces/app', '--config', '/workspaces/app/.devcontainer/devcontainer.json',
      '--id-label', 'devcontainer-builder.workspace=/workspaces/app', '--log-format', 'json', '--update-remote-user-uid-default', 'off',
      '--skip-non-blocking-commands', '--no-lockfile', '--gpu-availability', 'none',
    ]);
    expect({ ...bare, command: undefined, args: undefined }).toEqual({ ...init, command: undefined, args: undefined });
    expect(override(container('dind'))).toBeUndefined();
  });

  it('starts the agent with one docker exec of the init script as the remote user, the token passed by name only', () => {
    const agent = override(container('devcontainer-agent'))!;
    expect(agent.command).toEqual(['tini', '--', 'sh']);
    const script = agent.args![1]!;
    expect(script).toContain('docker exec -u dev -w /workspaces/app -e CODER_AGENT_TOKEN -e CODER_AGENT_URL "$id" sh -c "$CODER_INIT_SCRIPT"');
    expect(script).not.toMatch(/CODER_AGENT_TOKEN=/);
    // Valid sh, as the container's shell reads it.
    expect(spawnSync('sh', ['-n', '-c', script]).status).toBe(0);
  });
});
