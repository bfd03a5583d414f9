import { runBackgroundLifecycle } from '../steps/background-lifecycle.js';
import { chosenConfigFile } from '../devcontainer/config-choice.js';
import { agentCommand, type AgentPolicy } from './agent.js';
import type { CommandContext } from './context.js';
import { recordLifecycleRun } from './state.js';
import { upCommand } from './up.js';

/**
 * `devcontainer-builder run`: `up` then `agent` in one process, for a single
 * container or a laptop. Without `CODER_AGENT_URL`/`CODER_AGENT_TOKEN` it
 * only builds and starts the dev container, and says so; with nobody to let
 * in early, the lifecycle commands after `waitFor` then run before it ends.
 */
export async function runCommand(ctx: CommandContext, policy: AgentPolicy = {}): Promise<void> {
  const outcome = await upCommand(ctx);
  const { config, log, signal } = ctx;
  if (!config.agentUrl || !config.agentToken) {
    const { containerId, remoteUser, remoteWorkspaceFolder, fallback, lifecycle, generation } = outcome.state;
    if (lifecycle && lifecycle.pending.length > 0 && !lifecycle.ran) {
      const ran = await runBackgroundLifecycle({
        log, waitFor: lifecycle.waitFor, pending: lifecycle.pending, workspaceFolder: config.workspaceFolder,
        configFile: await chosenConfigFile(config.workspaceFolder, config.devcontainer.configPath), containerId, generation,
        dockerHost: config.dockerHost, devcontainerBin: ctx.devcontainerBin, signal, timeoutMs: config.timeouts.upMs, background: false,
      });
      await recordLifecycleRun(config.stateDir, config.workspaceFolder, containerId, { outcome: ran.outcome, command: ran.command });
    }
    const what = fallback ? 'recovery container' : 'dev container';
    log.info(`CODER_AGENT_URL and CODER_AGENT_TOKEN are not set: logs were not streamed to Coder and no agent is started. The ${what} ${containerId.slice(0, 12)} keeps running; open a shell with: docker exec -it -u ${remoteUser} -w ${remoteWorkspaceFolder} ${containerId.slice(0, 12)} sh`);
    return;
  }
  await agentCommand(ctx, policy);
}
