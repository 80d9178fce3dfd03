import { niceStep } from './stats.js';

export interface Line {
  name: string;
  color: string;
  ys: readonly number[];
}

const W = 720;
const H = 240;
const PAD = { left: 64, right: 16, top: 28, bottom: 36 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmt(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e6) return `${+(x / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(x / 1e3).toFixed(1)}k`;
  return `${+x.toFixed(2)}`;
}

function ticks(lo: number, hi: number, count: number): number[] {
  const step = niceStep((hi - lo) / count || 1);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

function frame(title: string, x0: number, x1: number, y1: number, xLabel: string, body: string): string {
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - (y / (y1 || 1)) * (H - PAD.top - PAD.bottom);
  const grid = ticks(0, y1, 4)
    .map((v) => `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(v)}" y2="${sy(v)}" class="grid"/><text x="${PAD.left - 6}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`)
    .join('');
  const xt = ticks(x0, x1, 8)
    .map((v) => `<text x="${sx(v)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(v)}</text>`)
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `<text x="${PAD.left}" y="16" class="title">${esc(title)}</text>${grid}${xt}` +
    `<text x="${W - PAD.right}" y="${H - 4}" text-anchor="end">${esc(xLabel)}</text>${body}</svg>`;
}

/** A line chart of several series over the same x values. */
export function lineChart(title: string, xs: readonly number[], lines: Line[], xLabel = 'seconds from the start'): string {
  if (xs.length === 0) return '';
  const x0 = xs[0]!;
  const x1 = xs[xs.length - 1]!;
  let top = 0;
  for (const line of lines) for (const y of line.ys) if (y > top) top = y;
  const y1 = ticks(0, top || 1, 4).at(-1)! < top ? top : ticks(0, top || 1, 4).at(-1)!;
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - (y / (y1 || 1)) * (H - PAD.top - PAD.bottom);
  const paths = lines
    .map((line) => `<polyline fill="none" stroke="${line.color}" stroke-width="1.5" points="${line.ys.map((y, i) => `${sx(xs[i]!).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`)
    .join('');
  const legend = lines
    .map((line, i) => `<rect x="${W - PAD.right - 150}" y="${PAD.top + 4 + i * 16}" width="10" height="10" fill="${line.color}"/><text x="${W - PAD.right - 134}" y="${PAD.top + 13 + i * 16}">${esc(line.name)}</text>`)
    .join('');
  return frame(title, x0, x1, y1, xLabel, paths + legend);
}

/** A histogram: bucket i covers [i·width, (i+1)·width). */
export function barChart(title: string, width: number, counts: readonly number[], xLabel: string): string {
  if (counts.length === 0) return '';
  const x1 = width * counts.length;
  const top = Math.max(1, ...counts);
  const y1 = ticks(0, top, 4).at(-1)! < top ? top : ticks(0, top, 4).at(-1)!;
  const sx = (x: number) => PAD.left + (x / x1) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - (y / y1) * (H - PAD.top - PAD.bottom);
  const bars = counts
    .map((c, i) => `<rect x="${sx(i * width).toFixed(1)}" y="${sy(c).toFixed(1)}" width="${Math.max(1, sx(width) - sx(0) - 1).toFixed(1)}" height="${(sy(0) - sy(c)).toFixed(1)}" fill="#4e79a7"><title>${fmt(i * width)}–${fmt((i + 1) * width)}: ${c}</title></rect>`)
    .join('');
  return frame(title, 0, x1, y1, xLabel, bars);
}
