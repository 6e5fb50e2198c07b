import type { NxJsonConfiguration, TargetConfiguration } from '@nx/devkit';
import { CI_CONFIGURATION, targetDefaultEntries, type NormalizedCiOptions } from './normalize-options';

type TargetDefaultValue = NonNullable<NxJsonConfiguration['targetDefaults']>[string];
type TargetDefault = Partial<TargetConfiguration>;

/** `value` with `patch` applied: merged into the object form, appended as an unfiltered entry to the array form. */
function withDefault(value: TargetDefaultValue | undefined, patch: (current: TargetDefault) => TargetDefault): TargetDefaultValue {
  if (Array.isArray(value)) return [...value, patch({})];
  return patch({ ...(value ?? {}) }) as TargetDefaultValue;
}

/**
 * What the pipeline needs from nx.json: a `ci` configuration of docker-scan that writes SARIF (the
 * pipeline runs `nx affected … --configuration=ci`; targets without a `ci` configuration run their
 * default), and docker-tag's registry when the generator was told one. Settings already there are kept;
 * a conflicting one is reported, not replaced. Pure: returns the new nx.json, or undefined when nothing
 * changes.
 */
export function ciNxJson(nxJson: NxJsonConfiguration, options: NormalizedCiOptions, warnings: string[]): NxJsonConfiguration | undefined {
  const targetDefaults = { ...(nxJson.targetDefaults ?? {}) };
  let changed = false;

  const scanKey = options.targets.dockerScan;
  const formats = targetDefaultEntries(targetDefaults[scanKey])
    .map((entry) => (entry.configurations?.[CI_CONFIGURATION] as { format?: unknown } | undefined)?.format)
    .filter((format) => format !== undefined);
  const format = formats[formats.length - 1];
  if (format === undefined) {
    targetDefaults[scanKey] = withDefault(targetDefaults[scanKey], (current) => ({
      ...current,
      configurations: { ...current.configurations, [CI_CONFIGURATION]: { ...current.configurations?.[CI_CONFIGURATION], format: 'sarif' } },
    }));
    changed = true;
  } else if (format !== 'sarif') {
    warnings.push(
      `nx.json sets targetDefaults["${scanKey}"].configurations.${CI_CONFIGURATION}.format to "${String(format)}": the pipeline uploads dist/**/docker/scan.sarif, which only "sarif" writes.`,
    );
  }

  if (options.writeRegistryToNxJson) {
    const tagKey = options.targets.dockerTag;
    targetDefaults[tagKey] = withDefault(targetDefaults[tagKey], (current) => ({ ...current, options: { ...current.options, registry: options.registry } }));
    changed = true;
  }
  return changed ? { ...nxJson, targetDefaults } : undefined;
}
