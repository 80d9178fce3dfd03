/**
 * A minimal writer of the Prometheus text exposition format (version 0.0.4):
 * HELP and TYPE once per metric family, then all its samples as one group,
 * whatever order they were added in.
 */
import type { HistogramSnapshot } from './histogram.js';

export type Labels = Record<string, string | number>;
type Kind = 'counter' | 'gauge' | 'histogram';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(String(value))}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export class PrometheusText {
  private readonly families = new Map<string, string[]>();

  /** The sample lines of a family, declared on first use. */
  private family(name: string, kind: Kind, help: string): string[] {
    let lines = this.families.get(name);
    if (lines === undefined) {
      if (!name.startsWith('breakwater_')) throw new Error(`metric ${name} must be prefixed breakwater_`);
      lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`];
      this.families.set(name, lines);
    }
    return lines;
  }

  counter(name: string, help: string, value: number, labels: Labels = {}): this {
    this.family(name, 'counter', help).push(`${name}${labelText(labels)} ${numberText(value)}`);
    return this;
  }

  gauge(name: string, help: string, value: number, labels: Labels = {}): this {
    this.family(name, 'gauge', help).push(`${name}${labelText(labels)} ${numberText(value)}`);
    return this;
  }

  histogram(name: string, help: string, snapshot: HistogramSnapshot, labels: Labels = {}): this {
    const lines = this.family(name, 'histogram', help);
    let cumulative = 0;
    snapshot.bounds.forEach((bound, i) => {
      cumulative += snapshot.counts[i] ?? 0;
      lines.push(`${name}_bucket${labelText({ ...labels, le: numberText(bound) })} ${cumulative}`);
    });
    lines.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${snapshot.count}`);
    lines.push(`${name}_sum${labelText(labels)} ${numberText(snapshot.sum)}`);
    lines.push(`${name}_count${labelText(labels)} ${snapshot.count}`);
    return this;
  }

  toString(): string {
    return `${[...this.families.values()].flat().join('\n')}\n`;
  }
}
