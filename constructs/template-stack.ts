import { Lazy, TerraformHclModule, TerraformLocal, TerraformModule, TerraformStack, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider/index.js';
import { Agent } from './coder/generated/agent/index.js';
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
import { IdeExtensions } from './ide-extensions.js';
import { StartDirectory } from './start-directory.js';
import { TemplateVariables } from './template-variables.js';
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

/** IDE modules every workspace gets, pinned to exact registry versions. */
export const IDE_MODULES: Record<string, AgentModuleSpec> = {
  'code-server': { source: 'registry.coder.com/coder/code-server/coder', version: '1.4.1' },
  'vscode-desktop': { source: 'registry.coder.com/coder/vscode-desktop/coder', version: '1.2.0' },
};

/**
 * Where the builder records the dev container's name, image and build time
 * inside it (builder/steps/record-info.ts), one file each.
 */
export const DEVCONTAINER_INFO_DIR = '/usr/local/share/devcontainer-builder/info';
const DEVCONTAINER_INFO: ReadonlyArray<readonly [string, string]> = [
  ['name', 'Dev Container'],
  ['image', 'Image'],
  ['built', 'Built'],
];

/** Agent environment variable with the checkout folder; interactive shells start there. */
export const WORKSPACE_FOLDER_ENV = 'DEVCONTAINER_WORKSPACE_FOLDER';

/** Seconds Coder waits for the agent: a cold dev container build takes 5-10 minutes. */
export const AGENT_CONNECTION_TIMEOUT_SECONDS = 1800;

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
    this.agent = named(
      new Agent(this, 'agent', {
        // The pod's node selector uses the same variable: the agent binary
        // the init script downloads matches the node it runs on.
        arch: v.arch.stringValue,
        os: 'linux',
        // No `dir`: deprecated in coder 2.17.0 (a warning on every plan); the
        // apps name the folder themselves and shells change into it
        // (StartDirectory).
        connectionTimeout: AGENT_CONNECTION_TIMEOUT_SECONDS,
        env: Lazy.anyValue({ produce: () => ({ ...this.agentEnv }) }) as unknown as Record<string, string>,
        displayApps: { vscode: false, vscodeInsiders: false, webTerminal: true, sshHelper: true, portForwardingHelper: true },
        metadata: [
          { key: '0_cpu_usage', displayName: 'CPU Usage', script: 'coder stat cpu', interval: 10, timeout: 1 },
          { key: '1_ram_usage', displayName: 'RAM Usage', script: 'coder stat mem', interval: 10, timeout: 1 },
          // The dev container sees only its own checkout of the workspaces volume.
          { key: '2_workspaces_disk', displayName: '/workspaces Disk', script: `coder stat disk --path ${this.workspaceFolder}`, interval: 60, timeout: 1 },
          ...DEVCONTAINER_INFO.map(([file, displayName], i) => ({
            key: `${i + 3}_devcontainer_${file}`,
            displayName,
            script: `cat ${DEVCONTAINER_INFO_DIR}/${file} 2>/dev/null || echo unknown`,
            interval: 300,
            timeout: 1,
          })),
        ],
      }),
      'main',
    );

    const ws = this.workspace;
    // Object names, selector and pod labels use the workspace id only: owner
    // and workspace names are up to 32 characters each (too long together
    // for a 63-character label value), and the owner (name and id) and the
    // workspace name change when a prebuilt workspace is claimed, which must
    // leave the pod alone.
    const podLabels = {
      'app.kubernetes.io/name': 'coder-workspace',
      'app.kubernetes.io/instance': `coder-workspace-\${${ws.id}}`,
      'app.kubernetes.io/part-of': 'coder',
      'com.coder.resource': 'true',
      'com.coder.workspace.id': ws.id,
    };
    // The names stay on the objects' own metadata for kubectl (a Coder name
    // is a valid label value), updated in place when they change.
    const labels = { ...podLabels, 'com.coder.workspace.name': ws.name, 'com.coder.user.id': this.owner.id, 'com.coder.user.username': this.owner.name };
    const annotations = { 'com.coder.user.email': this.owner.email };
    const pvc = (name: string, volumeName: string, mountPath: string, size: string) =>
      new WorkspacePvc(this, name, {
        namespace: v.namespace.stringValue,
        claimName: `coder-\${${ws.id}}-${volumeName}`,
        volumeName,
        mountPath,
        sizeGiB: Token.asNumber(size),
        storageClassName: v.storageClass.stringValue,
        accessModes: [v.pvcAccessMode.stringValue],
        labels,
        annotations,
      });
    this.workspaces = pvc('workspaces', 'workspaces', '/workspaces', p.workspacesVolumeSize.value);
    this.dockerData = pvc('docker_data', 'docker-data', '/var/lib/docker', p.dockerVolumeSize.value);

    // The URL of Coder from inside the pod.
    const coderUrl = new TerraformLocal(this, 'coder_url', `\${${v.agentUrl.stringValue} != "" ? ${v.agentUrl.stringValue} : ${ws.accessUrl}}`);
    coderUrl.overrideLogicalId('coder_url');
    this.coderUrl = coderUrl.asString;
    // The coder provider bakes `<scheme>://<host>/` of the access URL into
    // init_script at plan time (terraform-provider-coder provider/agent.go:
    // config.URL.Parse("/")), and Coder's bootstrap_linux.sh downloads
    // `${ACCESS_URL}bin/coder-linux-<arch>` and exports CODER_AGENT_URL from
    // it: setting CODER_AGENT_URL around the script changes nothing. With
    // agent_url, every occurrence is rewritten to it instead.
    const agentInit = this.agent.initScript;
    const accessBase = `format("%s/", regex("^[^:/]+://[^/]+", ${ws.accessUrl}))`;
    const agentBase = `format("%s/", trimsuffix(${v.agentUrl.stringValue}, "/"))`;
    const initScript = new TerraformLocal(
      this,
      'agent_init_script',
      `\${${v.agentUrl.stringValue} == "" ? ${agentInit} : replace(${agentInit}, ${accessBase}, ${agentBase})}`,
    );
    initScript.overrideLogicalId('agent_init_script');

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
      initScript: initScript.asString,
      repository: p.repository.value,
      branch: p.gitBranch.value,
      cacheFrom: v.cacheRepo.stringValue,
      cacheTo: v.cacheRepo.stringValue,
      registryAuthSecretName: v.registryAuthSecret.stringValue,
      rebuild: p.rebuild.value,
      fallbackImage: `\${${v.fallbackImage.stringValue} == "none" ? "" : (${v.fallbackImage.stringValue} != "" ? ${v.fallbackImage.stringValue} : ${v.builderImage.stringValue})}`,
      githubToken: github.accessToken,
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

    // Extensions from devcontainer.json reach code-server and VS Code Desktop
    // through the list the builder records inside the dev container.
    const ide = new IdeExtensions(this, 'ide_extensions', { agent: this.agent });
    new DeveloperModules(this, 'developer_modules', {
      agent: this.agent,
      count: ws.startCount,
      coderUrl: this.coderUrl,
      sessionToken: this.owner.sessionToken,
    });
    new Dotfiles(this, 'dotfiles', { agent: this.agent, startCount: ws.startCount });
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
