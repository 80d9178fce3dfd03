/** A gateway process's figures as a test reads them: from its prom-client registry, as /metrics would. */
import type { Registry } from 'prom-client';
import { familiesOf, valueOf, valuesBy, type Labels } from '../../../engine/link/metric-families.js';

export async function metricValue(registry: Registry, name: string, labels: Labels = {}): Promise<number> {
  return valueOf(await familiesOf([registry]), name, labels);
}

export async function metricValuesBy(registry: Registry, name: string, label: string): Promise<Record<string, number>> {
  return valuesBy(await familiesOf([registry]), name, label);
}
