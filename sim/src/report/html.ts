import type { Report } from './build.js';
import type { RunOutput } from './run-output.js';
import type { SeriesName } from './series.js';
import { histogram } from './stats.js';
import { barChart, lineChart } from './svg.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The samples up to a little after the last admission, hold or sale: the rest is a flat line to the close. */
function activeWindow(s: Record<SeriesName, number[]>): Record<SeriesName, number[]> {
  let last = 0;
  for (let i = 1; i < s.t.length; i++) {
    if (s.admitted[i] !== s.admitted[i - 1] || s.sold[i] !== s.sold[i - 1] || s.held[i] !== s.held[i - 1]) last = i;
  }
  const end = Math.min(s.t.length, last + Math.max(10, Math.ceil(last * 0.1)) + 1);
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.slice(0, end)])) as Record<SeriesName, number[]>;
}

/** A self-contained page: the summary, the checks, and inline SVG charts of the sale over time. */
export function renderHtml(report: Report, output: Pick<RunOutput, 'series' | 'seen'>): string {
  const s = activeWindow(output.series.thin(1200));
  const waits = histogram(output.seen.waitSec.toArray(), 40);
  const rows: Array<[string, string]> = [
    ['fans (bots)', `${report.fans.toLocaleString('en-US')} (${report.bots.arrivals.toLocaleString('en-US')})`],
    ['tickets sold / on sale', `${report.ticketsSold.toLocaleString('en-US')} / ${report.seats.toLocaleString('en-US')}`],
    ['all tickets taken at', report.allTakenAtSec === null ? '–' : `${report.allTakenAtSec} s`],
    ['sold out at', report.soldOutAtSec === null ? '–' : `${report.soldOutAtSec} s`],
    ['waiting fans told sold out within', report.fansToldSoldOutWithinSec === null ? '–' : `${report.fansToldSoldOutWithinSec} s`],
    ['wait join → admission p50 / p90 / p99', `${report.waitSec.p50} / ${report.waitSec.p90} / ${report.waitSec.p99} s`],
    ['holds expired / tickets resold from them', `${report.holdsExpired} / ${report.readmittedFromExpiredHolds}`],
    ['oversold', String(report.oversold)],
    ['per-fan limit violations', String(report.perFanLimitViolations)],
    ['unresolved holds', String(report.unresolvedHolds)],
    ['defences; bots: ticket share / fairness ratio', `${report.defences}; ${report.bots.ticketShare ?? '–'} / ${report.bots.fairnessRatio ?? '–'}`],
    ['fans behind the shared address: placed / p95 extra delay', `${report.nat.placed} of ${report.nat.fans} / ${report.nat.p95DelaySec} s`],
    ['admissions outside the draws out of order (Kendall tau)', `${report.fairness.outOfOrderAdmissions} of ${report.fairness.admitted} (${report.fairness.kendallTau})`],
    ['engine invariants', report.engineInvariants.violations === 0 ? 'all hold' : `${report.engineInvariants.violations} violations`],
    ['payments ok / declined / errors / timeouts', `${report.payments.ok} / ${report.payments.declined} / ${report.payments.providerError} / ${report.payments.timeout}`],
    ['wall time / peak heap', `${report.wallSec} s / ${report.peakHeapMB} MB`],
  ];
  const charts = [
    lineChart('Queue: fans waiting', s.t, [{ name: 'waiting', color: '#4e79a7', ys: s.waiting }]),
    lineChart('Admissions (cumulative)', s.t, [{ name: 'admitted', color: '#59a14f', ys: s.admitted }]),
    lineChart('Tickets', s.t, [
      { name: 'held', color: '#f28e2b', ys: s.held },
      { name: 'sold', color: '#e15759', ys: s.sold },
      { name: 'free', color: '#76b7b2', ys: s.free },
    ]),
    lineChart('Payment provider: utilisation (arrival rate / capacity)', s.t, [{ name: 'utilisation', color: '#9c755f', ys: s.payUtilisation }]),
    lineChart('Payment provider: queueing delay (seconds)', s.t, [{ name: 'queue', color: '#b07aa1', ys: s.payQueueSec }]),
    barChart('Wait from join to admission (admitted fans)', waits.width, waits.counts, 'seconds'),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Breakwater simulation: ${esc(report.scenario)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:780px}
h1{font-size:20px}table{border-collapse:collapse;margin:12px 0}td{padding:2px 12px 2px 0;border-bottom:1px solid #eee}
td:last-child{font-variant-numeric:tabular-nums}
svg{display:block;margin:16px 0;font-size:11px}svg .title{font-size:13px;font-weight:600}svg .grid{stroke:#eee}
.ok{color:#2a7a2a;font-weight:600}.fail{color:#b00020;font-weight:600}
details pre{font-size:11px;background:#f7f7f7;padding:8px;overflow:auto}
</style></head><body>
<h1>Breakwater simulation: ${esc(report.scenario)} (seed ${report.seed})</h1>
<p>${esc(report.description)}</p>
<p class="${report.ok ? 'ok' : 'fail'}">${report.ok ? 'OK: every invariant holds.' : `FAILED:</p><ul>${report.failures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul><p>`}</p>
<table>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</table>
${charts.join('\n')}
<details><summary>Full report (JSON)</summary><pre>${esc(JSON.stringify(report, null, 2))}</pre></details>
</body></html>
`;
}
