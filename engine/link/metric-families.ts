/**
 * Metric families in prom-client's JSON form (`Registry.getMetricsAsJSON()`):
 * how one process's figures travel to the process that answers /metrics
 * (over the fork channel or NATS), how they are labelled with the process
 * they came from, joined into one exposition, and read back by the dashboard.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';

export type Labels = Record<string, string | number>;

export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  /** A histogram's samples are named `<name>_bucket` (with `le`), `<name>_sum` and `<name>_count`. */
  values: Array<{ value: number; labels: Labels; metricName?: string }>;
}

/** The families of some registries, every sample labelled with `labels` (the process it came from). */
export async function familiesOf(registries: readonly Registry[], labels: Labels = {}): Promise<MetricFamily[]> {
  const families: MetricFamily[] = [];
  for (const registry of registries) {
    for (const family of (await registry.getMetricsAsJSON()) as unknown as MetricFamily[]) {
      families.push({ ...family, values: family.values.map((v) => ({ ...v, labels: { ...labels, ...v.labels } })) });
    }
  }
  return families;
}

/** 15 significant digits: what a double holds for sure, without the last bit of a float sum (0.30000000000000004). */
const tidy = (value: number): number => (Number.isInteger(value) || !Number.isFinite(value) ? value : Number(value.toPrecision(15)));

/**
 * One Prometheus text exposition of every process's families: HELP and TYPE
 * once per name, every process's samples under it. Each process's samples
 * carry its own label, so nothing is summed (prom-client's aggregators would
 * add up gauges, and drop the start time): `first` keeps each sample as it is.
 * Values are written to 15 significant digits: sums of float seconds (a
 * histogram's, the CPU time's user + system) otherwise end in noise like
 * 1.2381050000000007 that is no measurement.
 */
export function exposition(sets: readonly MetricFamily[][]): Promise<string> {
  const tidied = sets.map((families) => families.map((family) => ({
    ...family, aggregator: 'first', values: family.values.map((v) => ({ ...v, value: tidy(v.value) })),
  })));
  return AggregatorRegistry.aggregate(tidied).metrics();
}

const matches = (labels: Labels, wanted: Labels): boolean => Object.entries(wanted).every(([key, value]) => String(labels[key]) === String(value));

/** The value of the first sample of `name` with these labels; 0 when there is none. */
export function valueOf(families: readonly MetricFamily[], name: string, labels: Labels = {}): number {
  const family = families.find((f) => f.name === name);
  return family?.values.find((v) => (v.metricName ?? name) === name && matches(v.labels, labels))?.value ?? 0;
}

/** The samples of `name` by the value of one label, e.g. refusals by reason. */
export function valuesBy(families: readonly MetricFamily[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of families.find((f) => f.name === name)?.values ?? []) {
    const key = v.labels[label];
    if (key !== undefined) out[String(key)] = (out[String(key)] ?? 0) + v.value;
  }
  return out;
}

/** The q-quantile (0..1) of a histogram family in its unit, interpolated within its bucket; null without observations. */
export function quantileOf(families: readonly MetricFamily[], name: string, q: number): number | null {
  const values = families.find((f) => f.name === name)?.values ?? [];
  const count = values.find((v) => v.metricName === `${name}_count`)?.value ?? 0;
  if (count === 0) return null;
  const buckets = values
    .filter((v) => v.metricName === `${name}_bucket` && v.labels.le !== '+Inf')
    .map((v) => ({ bound: Number(v.labels.le), cumulative: v.value }))
    .sort((a, b) => a.bound - b.bound);
  const rank = q * count;
  let previous = { bound: 0, cumulative: 0 };
  for (const bucket of buckets) {
    if (bucket.cumulative >= rank && bucket.cumulative > previous.cumulative) {
      return previous.bound + ((bucket.bound - previous.bound) * (rank - previous.cumulative)) / (bucket.cumulative - previous.cumulative);
    }
    previous = bucket;
  }
  return previous.bound;
}
