/**
 * A preview of a seat map as SVG: each seat a small square where its x and y
 * put it, coloured by category, and the stage. One path per category (not
 * one element per seat), so a stadium of 80,000 seats draws as fast as a
 * club. A legend names each category with its seat count.
 */
import { categoryCounts, seatsOf, type Point, type SectionSpec } from './seat-map-build.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Strong, distinct colours (the fan page's pastel ones are for backgrounds behind labels). */
const PALETTE = ['#1f6fd1', '#2e9b4f', '#d98a00', '#b0399b', '#0f9aa8', '#c8452d', '#6b5fd3', '#7a8b1f'];

export function previewColour(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** Draws `sections` (and `stage`) into `container`, replacing what was there; an empty map says so. */
export function renderSeatPreview(container: HTMLElement, sections: readonly SectionSpec[], stage: Point | null): void {
  const counts = categoryCounts(sections);
  if (counts.length === 0) {
    container.replaceChildren(Object.assign(document.createElement('p'), { className: 'muted small', textContent: 'No reserved seats: general admission only.' }));
    return;
  }
  let minX = stage?.x ?? Infinity;
  let maxX = stage?.x ?? -Infinity;
  let minY = stage?.y ?? Infinity;
  let maxY = stage?.y ?? -Infinity;
  const paths = new Map<string, string[]>();
  for (const seat of seatsOf(sections)) {
    minX = Math.min(minX, seat.x);
    maxX = Math.max(maxX, seat.x);
    minY = Math.min(minY, seat.y);
    maxY = Math.max(maxY, seat.y);
    let d = paths.get(seat.category);
    if (d === undefined) paths.set(seat.category, (d = []));
    d.push(`M${seat.x - 0.4} ${seat.y - 0.4}h0.8v0.8h-0.8z`);
  }
  const pad = 1.5;
  const image = svg('svg', {
    viewBox: `${minX - pad} ${minY - pad} ${maxX - minX + 2 * pad} ${maxY - minY + 2 * pad}`,
    role: 'img', 'aria-label': `Seat map preview: ${counts.map((c) => `${c.seats} seats of category ${c.category}`).join(', ')}`,
    class: 'seat-preview',
  });
  if (stage !== null) {
    const width = Math.max(4, (maxX - minX) / 3);
    image.append(svg('rect', { x: stage.x - width / 2, y: stage.y - 0.6, width, height: 1.2, rx: 0.3, fill: '#17202a', 'data-stage': '' }));
    const label = svg('text', { x: stage.x, y: stage.y + 0.35, 'text-anchor': 'middle', 'font-size': 0.7, fill: '#fff' });
    label.textContent = 'Stage';
    image.append(label);
  }
  counts.forEach(({ category, seats }, i) => {
    const path = svg('path', { d: paths.get(category)!.join(''), fill: previewColour(i), 'data-category': category, 'data-seats': seats });
    const title = svg('title', {});
    title.textContent = `Category ${category}: ${seats} seats`;
    path.append(title);
    image.append(path);
  });
  const legend = document.createElement('ul');
  legend.className = 'seat-legend';
  counts.forEach(({ category, seats }, i) => {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = previewColour(i);
    item.append(swatch, `Category ${category}: ${seats.toLocaleString()} seats`);
    legend.append(item);
  });
  container.replaceChildren(image, legend);
}
