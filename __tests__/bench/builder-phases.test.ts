import { describe, expect, it } from 'vitest';
import { builderPhases, builderUpArgs } from '../../bench/pod.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describe('builderPhases', () => {
  it('splits one up into phases and sums child processes by program and subcommand', () => {
    const log = [
      `${at(1)} INFO  Docker 20.10.24 is ready at unix:///var/run/dind/docker.sock (after 5 ms, 1 attempt)`,
      `${at(2)} INFO  ▶ Checkout`,
      `${at(3)} INFO  ✔ Checkout (1.0 s)`,
      `${at(3)} INFO  ▶ Dev container`,
      `${at(3)} DEBUG Run: devcontainer read-configuration --workspace-folder /workspaces/app`,
      `${at(5)} DEBUG Done: devcontainer exited 0 after 2.0 s`,
      `${at(5)} DEBUG Run: devcontainer up --workspace-folder /workspaces/app`,
      `${at(6)} DEBUG Done: devcontainer exited 0 after 1.0 s`,
      `${at(6)} INFO  ✔ Dev container (3.0 s)`,
      `${at(6)} DEBUG Run: devcontainer read-configuration --include-merged-configuration`,
      `${at(8)} DEBUG Done: devcontainer exited 0 after 2.0 s`,
      `${at(9)} INFO  The dev container 4b87d10501e9 is ready (user dev, folder /workspaces/app).`,
    ].join('\n');
    const phases = builderPhases(log, Date.parse(at(0)), Date.parse(at(10)));
    expect(phases).toEqual({
      'child process: devcontainer read-configuration': 4000,
      'child process: devcontainer up': 1000,
      'process start to first line': 1000,
      'first line to checkout (Docker wait, state)': 1000,
      checkout: 1000,
      'checkout to devcontainer up': 0,
      'devcontainer up': 3000,
      'after up until ready (extensions, state)': 3000,
      'ready to exit (log flush)': 1000,
    });
  });
});

describe('builderPhases with steps side by side', () => {
  it('closes each Done with the open Run of the same program', () => {
    const log = [
      `${at(1)} DEBUG Run: docker info --format {{.ServerVersion}}`,
      `${at(1)} DEBUG Run: git rev-parse --is-inside-work-tree`,
      `${at(2)} DEBUG Done: git exited 0 after 1.0 s`,
      `${at(4)} DEBUG Done: docker exited 0 after 3.0 s`,
    ].join('\n');
    const phases = builderPhases(log, Date.parse(at(0)), Date.parse(at(5)));
    expect(phases['child process: docker info']).toBe(3000);
    expect(phases['child process: git rev-parse']).toBe(1000);
  });
});

describe('builderUpArgs', () => {
  it('takes the arguments of the builder\'s devcontainer up from its console line', () => {
    const log = [
      `${at(1)} DEBUG Run: /app/node_modules/.bin/devcontainer read-configuration --workspace-folder /workspaces/app`,
      `${at(2)} DEBUG Run: /app/node_modules/.bin/devcontainer up --workspace-folder /workspaces/app --id-label devcontainer-builder.workspace=/workspaces/app --no-lockfile`,
    ].join('\n');
    expect(builderUpArgs(log)).toEqual(['up', '--workspace-folder', '/workspaces/app', '--id-label', 'devcontainer-builder.workspace=/workspaces/app', '--no-lockfile']);
    expect(builderUpArgs(`${at(1)} DEBUG Run: docker up`)).toBeUndefined();
  });
});
