import { Lazy, TerraformHclModule, TerraformLocal, TerraformModule, TerraformStack, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider/index.js';
import type { Agent } from './coder/generated/agent/index.js';
import { DataCoderExternalAuth } from './coder/generated/data-coder-external-auth/index.js';
import { DataCoderWorkspaceOwner } from './coder/generated/data-coder-workspace-owner/index.js';
import { DataCoderWorkspace } from './coder/generated/data-coder-workspace/index.js';
import { CoderProvider } from './coder/generated/provider/index.js';
import { CODER_PROVIDER_VERSION } from './coder/version.js';
import { ClaudeCodeAgent } from './ai-agent.js';
import { DeveloperModules } from './developer-modules.js';
import { DevcontainerDeployment } from './devcontainer-deployment.js';
import { DindSidecar } from './dind-sidecar.js';
import { Dotfiles } from './dotfiles.js';
import { gpuSettings } from './gpu-settings.js';
import { GitTokenSecret } from './git-token-secret.js';
import { IdeExtensions } from './ide-extensions.js';
import { PrebuildPreset } from './prebuild-preset.js';
import { StartDirectory } from './start-directory.js';
import { TemplateVariables } from './template-variables.js';
import { agentLocals, createAgent, WORKSPACE_FOLDER_ENV } from './workspace-agent.js';
import { workspaceLabels } from './workspace-labels.js';
import { WorkspaceParameters } from './workspace-parameters.js';
import { WorkspacePvc } from './workspace-pvc.js';

/** The hashicorp/kubernetes release the template pins (3.x adds init_container.restart_policy). */
export const KUBERNETES_PROVIDER_VERSION = '3.0.1';

/** A Terraform module that targets the agent, e.g. an IDE from the Coder registry. */
export interface AgentModuleSpec {
  /** Module source, e.g. `registry.coder.com/coder/code-server/coder`. */
  readonly source: string;
  /** Exact module version. */
  readonly version: string;
  /**
   * Module inputs besides `agent_id`.
   * @default - none
   */
  readonly variables?: Record<string, unknown>;
}

/** Properties of {@link TemplateStack}. */
export interface TemplateStackProps {
  /** The project version (version.txt): tags the default builder image. */
  readonly version: string;
  /**
   * Extra modules attached to the agent (beyond code-server and VS Code Desktop), by Terraform name.
   * @default - none
   */
  readonly modules?: Record<string, AgentModuleSpec>;
  /**
   * Extra environment of the agent's sessions.
   * @default - none
   */
  readonly agentEnv?: Record<string, string>;
}

/** IDE modules every workspace gets, pinned to exact registry versions (the newest releases in coder/registry). */
export const IDE_MODULES: Record<string, AgentModuleSpec> = {
  'code-server': { source: 'registry.coder.com/coder/code-server/coder', version: '1.5.2' },
  'vscode-desktop': { source: 'registry.coder.com/coder/vscode-desktop/coder', version: '1.2.1' },
};

export { AGENT_CONNECTION_TIMEOUT_SECONDS, DEVCONTAINER_INFO_DIR, WORKSPACE_FOLDER_ENV } from './workspace-agent.js';

/**
 * The whole Coder template: variables, parameters, the agent, the volumes,
 * the workspace Deployment and the IDE modules. Terraform addresses are API
 * (the agent is exactly `coder_agent.main`).
 */
export class TemplateStack extends TerraformStack {
  public readonly variables: TemplateVariables;
  public readonly parameters: WorkspaceParameters;
  public readonly workspace: DataCoderWorkspace;
  public readonly owner: DataCoderWorkspaceOwner;
  public readonly agent: Agent;
  public readonly workspaces: WorkspacePvc;
  public readonly dockerData: WorkspacePvc;
  public readonly sidecar: DindSidecar;
  public readonly deployment: DevcontainerDeployment;
  /** The default preset and its prebuilt workspace pool. */
  public readonly preset: PrebuildPreset;
  /** The dev container's workspace folder (`/workspaces/<repository name>`), a Terraform expression. */
  public readonly workspaceFolder: string;
  /** The URL of Coder as the pod reaches it (`agent_url`, else the access URL), a Terraform expression. */
  public readonly coderUrl: string;
  private readonly agentEnv: Record<string, string>;

  public constructor(scope: Construct, id: string, props: TemplateStackProps) {
    super(scope, id);
    // Coder keeps the state: no backend block; providers pinned exactly.
    this.addOverride('terraform.backend', undefined);
    this.addOverride('terraform.required_providers.kubernetes', { source: 'hashicorp/kubernetes', version: KUBERNETES_PROVIDER_VERSION });
    this.addOverride('terraform.required_providers.coder', { source: 'coder/coder', version: CODER_PROVIDER_VERSION });
    new CoderProvider(this, 'coder');
    // No arguments: in-cluster configuration of the provisioner's pod.
    new KubernetesProvider(this, 'kubernetes', {});

    const v = (this.variables = new TemplateVariables(this, 'variables', { version: props.version }));
    const p = (this.parameters = new WorkspaceParameters(this, 'parameters'));
    this.workspace = named(new DataCoderWorkspace(this, 'workspace'), 'me');
    this.owner = named(new DataCoderWorkspaceOwner(this, 'owner'), 'me');
    const github = named(new DataCoderExternalAuth(this, 'github', { id: v.externalAuthId.stringValue }), 'github');

    const repoName = `trimsuffix(basename(replace(${p.repository.value}, ":", "/")), ".git")`;
    const folder = new TerraformLocal(this, 'workspace_folder', `/workspaces/\${${repoName}}`);
    folder.overrideLogicalId('workspace_folder');
    this.workspaceFolder = folder.asString;

    this.agentEnv = {
      // The checkout, for the start directory of shells (constructs/start-directory.ts).
      [WORKSPACE_FOLDER_ENV]: this.workspaceFolder,
      // The builder owns the dev container; the agent must not manage dev containers itself.
      CODER_AGENT_DEVCONTAINERS_ENABLE: 'false',
      CODER_AGENT_DEVCONTAINERS_PROJECT_DISCOVERY_ENABLE: 'false',
      CODER_AGENT_DEVCONTAINERS_DISCOVERY_AUTOSTART_ENABLE: 'false',
      ...props.agentEnv,
    };
    this.agent = createAgent(this, { arch: v.arch.stringValue, workspaceFolder: this.workspaceFolder, env: () => this.agentEnv });
    // Read at synthesis: a parameter added after construction is carried too.
    this.preset = new PrebuildPreset(this, 'prebuilds', { parameters: Lazy.anyValue({ produce: () => p.defaults() }) as unknown as Record<string, string> });

    const ws = this.workspace;
    const { podLabels, labels, annotations } = workspaceLabels(ws, this.owner);
    const pvc = (name: string, volumeName: string, mountPath: string, size: string) =>
      new WorkspacePvc(this, name, {
        namespace: v.namespace.stringValue,
        claimName: `coder-\${${ws.id}}-${volumeName}`,
        volumeName,
        mountPath,
        sizeGiB: Token.asNumber(size),
        storageClassName: v.storageClass.stringValue,
        accessModes: [v.pvcAccessMode.stringValue],
        // Claim-invariant: the owner's names live on the Deployment only.
        labels: podLabels,
      });
    this.workspaces = pvc('workspaces', 'workspaces', '/workspaces', p.workspacesVolumeSize.value);
    this.dockerData = pvc('docker_data', 'docker-data', '/var/lib/docker', p.dockerVolumeSize.value);

    const locals = agentLocals(this, this.agent, v.agentUrl.stringValue, ws.accessUrl);
    this.coderUrl = locals.coderUrl;
    const githubToken = new GitTokenSecret(this, 'github_token', {
      namespace: v.namespace.stringValue,
      secretName: `coder-\${${ws.id}}-github-token`,
      token: github.accessToken,
      count: ws.startCount,
      labels: podLabels,
    });

    const gpu = gpuSettings(this, v);
    this.sidecar = new DindSidecar(this, 'dind', {
      image: v.dindImage.stringValue,
      workspaces: this.workspaces,
      dockerData: this.dockerData,
      runtimeClassName: v.runtimeClassName.stringValue,
      gpuCount: v.gpuCount.numberValue,
      resources: {
        requests: { cpu: '250m', memory: '512Mi' },
        limits: { cpu: p.cpu.value, memory: `${p.memory.value}Gi` },
      },
    });

    this.deployment = new DevcontainerDeployment(this, 'main', {
      namespace: v.namespace.stringValue,
      deploymentName: `coder-\${${ws.id}}`,
      count: ws.startCount,
      builderImage: v.builderImage.stringValue,
      sidecar: this.sidecar,
      workspaces: this.workspaces,
      agent: this.agent,
      labels,
      podLabels,
      selectorLabels: { 'app.kubernetes.io/name': 'coder-workspace', 'com.coder.workspace.id': ws.id },
      annotations,
      nodeSelector: { 'kubernetes.io/arch': v.arch.stringValue },
      runtimeClassName: gpu.runtimeClassName,
      agentUrl: this.coderUrl,
      initScript: locals.initScript,
      repository: p.repository.value,
      branch: p.gitBranch.value,
      cacheFrom: v.cacheRepo.stringValue,
      cacheTo: v.cacheRepo.stringValue,
      registryAuthSecretName: v.registryAuthSecret.stringValue,
      rebuild: p.rebuild.value,
      fallbackImage: `\${${v.fallbackImage.stringValue} == "none" ? "" : (${v.fallbackImage.stringValue} != "" ? ${v.fallbackImage.stringValue} : ${v.builderImage.stringValue})}`,
      githubTokenSecret: githubToken.keyRef,
      cloneCredentialSecretName: v.cloneCredentialSecret.stringValue,
      sshKnownHosts: v.sshKnownHosts.stringValue,
      devcontainerConfig: p.devcontainerConfig.value,
      capacity: { cpus: p.cpu.value, memoryGiB: p.memory.value, storageGiB: p.dockerVolumeSize.value },
      gpuAvailability: gpu.gpuAvailability,
      upTimeoutSeconds: v.upTimeoutSeconds.stringValue,
      metadataItems: [
        { key: 'workspaces volume', value: `${p.workspacesVolumeSize.value} GiB` },
        { key: 'docker volume', value: `${p.dockerVolumeSize.value} GiB` },
      ],
    });
    // The pod reads the token from the Secret: create it first.
    this.deployment.deployment.addOverride('depends_on', [`kubernetes_secret_v1.${githubToken.secret.friendlyUniqueId}`]);

    // Extensions from devcontainer.json reach code-server and VS Code Desktop
    // through the list the builder records inside the dev container.
    const ide = new IdeExtensions(this, 'ide_extensions', { agent: this.agent });
    new DeveloperModules(this, 'developer_modules', {
      agent: this.agent,
      count: ws.startCount,
      coderUrl: this.coderUrl,
      sessionToken: this.owner.sessionToken,
      owner: { name: this.owner.name, fullName: this.owner.fullName, email: this.owner.email },
    });
    new Dotfiles(this, 'dotfiles', { agent: this.agent, startCount: ws.startCount, parameters: p });
    new StartDirectory(this, 'start_directory', { agent: this.agent, count: ws.startCount, folderVariable: WORKSPACE_FOLDER_ENV });
    new ClaudeCodeAgent(this, 'ai_agent', { agent: this.agent, startCount: ws.startCount, workspaceFolder: this.workspaceFolder });
    const ideVariables: Record<string, Record<string, unknown>> = { 'code-server': { ...ide.codeServerModuleVariables } };
    for (const [name, spec] of Object.entries({ ...IDE_MODULES, ...props.modules })) {
      this.addAgentModule(name, { ...spec, variables: { folder: this.workspaceFolder, ...ideVariables[name], ...spec.variables } });
    }
  }

  /**
   * Attaches a module to `coder_agent.main`, started with the workspace
   * (`count = start_count`). Returns the module.
   */
  public addAgentModule(name: string, spec: AgentModuleSpec): TerraformHclModule {
    // Two modules with one logical id would silently overwrite each other in the JSON.
    const taken = this.node.findAll().some((c) => c instanceof TerraformModule && c.friendlyUniqueId === name);
    if (taken) {
      throw new Error(`TemplateStack: a module named "${name}" is already part of the template; choose another name for ${spec.source}.`);
    }
    const module = new TerraformHclModule(this, `module-${name}`, {
      source: spec.source,
      version: spec.version,
      variables: { agent_id: this.agent.id, ...spec.variables },
    });
    module.overrideLogicalId(name);
    // cdktf modules have no count argument; Terraform's module block does.
    module.addOverride('count', this.workspace.startCount);
    return module;
  }

  /** Adds an environment variable of the agent's sessions; throws when the name is taken. */
  public addAgentEnv(name: string, value: string): void {
    if (name in this.agentEnv) {
      throw new Error(`TemplateStack: agent environment variable "${name}" is already set to "${this.agentEnv[name]}"; choose another name.`);
    }
    this.agentEnv[name] = value;
  }
}

function named<T extends { overrideLogicalId(id: string): void }>(element: T, logicalId: string): T {
  element.overrideLogicalId(logicalId);
  return element;
}
