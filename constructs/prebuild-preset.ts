import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { DataCoderWorkspacePreset } from './coder/generated/data-coder-workspace-preset/index.js';

/** Properties of {@link PrebuildPreset}. */
export interface PrebuildPresetProps {
  /** Every workspace parameter's name and default (`WorkspaceParameters.defaults()`). */
  readonly parameters: Record<string, string>;
  /**
   * Name of the preset shown in the create form.
   * @default "Default"
   */
  readonly name?: string;
  /**
   * Default of `prebuild_ttl_seconds`.
   * @default 86400 (one day)
   */
  readonly defaultTtlSeconds?: number;
}

/** `<cron>=<instances>` entries separated by `;` (whitespace allowed around each part). */
const SCHEDULE_PATTERN = '^\\\\s*([^=;]+=\\\\s*[0-9]+\\\\s*)(;\\\\s*[^=;]+=\\\\s*[0-9]+\\\\s*)*;?\\\\s*$';

/**
 * The default preset (`data.coder_workspace_preset.default`) with every
 * parameter at its default and a pool of prebuilt workspaces (Coder
 * Premium, coder provider >= 2.4.1; terraform-provider-coder
 * provider/workspace_preset.go), behind template variables:
 *
 * - `prebuild_instances` (default 0: no pool; Coder builds nothing);
 * - `prebuild_ttl_seconds`: unclaimed prebuilds older than this are replaced
 *   (0 = never; else 3600 to 31536000, the provider's own limits);
 * - `prebuild_timezone` and `prebuild_schedule` (`"* 8-18 * * 1-5=3; * 8-14 * * 6=1"`):
 *   pool sizes by time (`scheduling` block; the minute field must be `*`).
 *
 * The preset carries every parameter, so a workspace created with it
 * matches a prebuild; a claim changes none of them.
 * @see https://coder.com/docs/admin/templates/extending-templates/prebuilt-workspaces
 */
export class PrebuildPreset extends Construct {
  public readonly preset: DataCoderWorkspacePreset;
  public readonly instances: TerraformVariable;
  public readonly ttlSeconds: TerraformVariable;
  public readonly timezone: TerraformVariable;
  public readonly schedule: TerraformVariable;

  public constructor(scope: Construct, id: string, props: PrebuildPresetProps) {
    super(scope, id);
    this.instances = variable(this, 'prebuild_instances', {
      type: 'number',
      default: 0,
      description: 'Prebuilt workspaces Coder keeps ready for the default preset (Coder Premium); 0: none.',
      validation: [{ condition: '${var.prebuild_instances >= 0 && floor(var.prebuild_instances) == var.prebuild_instances}', errorMessage: 'prebuild_instances must be a whole number, 0 or more.' }],
    });
    this.ttlSeconds = variable(this, 'prebuild_ttl_seconds', {
      type: 'number',
      default: props.defaultTtlSeconds ?? 86_400,
      description: 'Seconds after which an unclaimed prebuilt workspace is replaced by a fresh one (0: never).',
      // The provider's limits (provider/workspace_preset.go, expiration_policy.ttl).
      validation: [{ condition: '${var.prebuild_ttl_seconds == 0 || (var.prebuild_ttl_seconds >= 3600 && var.prebuild_ttl_seconds <= 31536000)}', errorMessage: 'prebuild_ttl_seconds must be 0 or between 3600 (1 hour) and 31536000 (1 year).' }],
    });
    this.timezone = variable(this, 'prebuild_timezone', {
      type: 'string',
      default: 'UTC',
      description: 'IANA time zone of prebuild_schedule, e.g. Europe/Amsterdam.',
      validation: [{ condition: '${length(var.prebuild_timezone) > 0}', errorMessage: 'prebuild_timezone must be an IANA time zone name such as UTC.' }],
    });
    this.schedule = variable(this, 'prebuild_schedule', {
      type: 'string',
      default: '',
      description: 'Pool sizes by time, "<cron>=<instances>" separated by ";", e.g. "* 8-18 * * 1-5=3; * 8-14 * * 6=1" (minute field "*"); outside them prebuild_instances applies. Empty: no schedule.',
      validation: [{ condition: `\${var.prebuild_schedule == "" || can(regex("${SCHEDULE_PATTERN}", var.prebuild_schedule))}`, errorMessage: 'prebuild_schedule must be empty or "<cron>=<instances>" entries separated by ";", e.g. "* 8-18 * * 1-5=3".' }],
    });

    this.preset = new DataCoderWorkspacePreset(this, 'Resource', {
      name: props.name ?? 'Default',
      description: 'Every parameter at its default; served from the prebuilt pool when there is one.',
      icon: '/icon/k8s.png',
      default: true,
      parameters: props.parameters,
      prebuilds: {
        instances: this.instances.numberValue,
        expirationPolicy: { ttl: this.ttlSeconds.numberValue },
      },
    });
    this.preset.overrideLogicalId('default');
    // `scheduling` only when a schedule is given (its `schedule` list needs one entry at least).
    const entries = `[for s in split(";", var.prebuild_schedule) : { cron = trimspace(split("=", s)[0]), instances = tonumber(trimspace(split("=", s)[1])) } if trimspace(s) != ""]`;
    this.preset.addOverride('prebuilds.dynamic.scheduling', {
      for_each: '${var.prebuild_schedule != "" ? [1] : []}',
      content: {
        timezone: '${var.prebuild_timezone}',
        dynamic: { schedule: { for_each: `\${${entries}}`, content: { cron: '${schedule.value.cron}', instances: '${schedule.value.instances}' } } },
      },
    });
  }
}

function variable(scope: Construct, name: string, config: ConstructorParameters<typeof TerraformVariable>[2]): TerraformVariable {
  const v = new TerraformVariable(scope, name, { nullable: false, ...config });
  v.overrideLogicalId(name);
  return v;
}
