// Scenario 9 (issue 4): missing required variables end the builder with exit
// code 2 and one message naming each, before it waits for anything. Run on
// the real builder image, and through the template's pod.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker } from '../support/docker.js';
import { prepareImages, testImages } from '../support/images.js';
import { E2E_LABEL, docker } from '../support/pod-runner.js';
import { expectBuilderFailure, fixtureFiles, runCleanups, secretsIn, setUpEnv, workspacePod, type E2eEnv } from './workspace-pod.js';

const REQUIRED = ['CODER_AGENT_URL', 'CODER_AGENT_TOKEN', 'DEVCONTAINER_REPOSITORY'];

/** `docker run` of the builder image with exactly `env` (through an env file, never argv). */
async function runBuilder(command: string, env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'cdk-e2e-env-'));
  try {
    const file = join(dir, 'env');
    await writeFile(file, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
    return await docker(
      ['run', '--rm', '--label', `${E2E_LABEL}=1`, '--label', `${E2E_LABEL}.owner=${process.pid}`, '--env-file', file, testImages.builder, command],
      { reject: false, timeoutMs: 60_000 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describeDocker('scenario 9: missing required variables', () => {
  beforeAll(async () => {
    await prepareImages();
  });

  it.each(['up', 'agent', 'run'])('`%s` with an empty environment exits 2 naming what is missing', async (command) => {
    const r = await runBuilder(command, {});
    const output = r.stdout + r.stderr;
    expect(r.exitCode, output).toBe(2);
    // `run` without the agent pair is the laptop path: only the repository is required there.
    const expected = command === 'run' ? ['DEVCONTAINER_REPOSITORY'] : command === 'agent' ? [...REQUIRED, 'CODER_INIT_SCRIPT'] : REQUIRED;
    for (const name of expected) expect(output).toContain(name);
    // One message: each problem is reported exactly once.
    for (const name of expected) expect(output.split(`${name} is not set`).length - 1, `${name} in\n${output}`).toBe(1);
  });

  it('`up` names a malformed token without printing it', async () => {
    const token = 'not a token 5f1e2d';
    const r = await runBuilder('up', { CODER_AGENT_URL: 'http://10.213.9.1:1/', CODER_AGENT_TOKEN: token });
    const output = r.stdout + r.stderr;
    expect(r.exitCode, output).toBe(2);
    expect(output).toContain('CODER_AGENT_TOKEN');
    expect(output).toContain('DEVCONTAINER_REPOSITORY');
    expect(secretsIn(output, [token, '5f1e2d'])).toEqual([]);
  });
});

describeDocker('scenario 9 through the pod: an empty repository parameter', () => {
  let env: E2eEnv;
  beforeAll(async () => {
    env = await setUpEnv({ subnet: '10.213.9.0/24' });
  });
  afterAll(async () => {
    await runCleanups(env.cleanups);
  });

  it('fails the builder init container with exit 2 and the variable named in its log', async () => {
    const repo = await env.git.createRepo('config-check', { files: await fixtureFiles('no-download-tool') });
    const pod = workspacePod(env, { name: 'config', repo: { ...repo, url: '' }, withDevBase: false });
    const error = await pod.start().catch((e: unknown) => e);
    const failure = expectBuilderFailure(error, 2);
    expect(failure.logs).toContain('DEVCONTAINER_REPOSITORY');
    expect(secretsIn(failure.logs, [env.coder.token, env.git.token])).toEqual([]);
    // The main container never started.
    expect(await pod.status('devcontainer-agent')).toBeUndefined();
  });
});
