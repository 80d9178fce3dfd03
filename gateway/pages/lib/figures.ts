/** A `<dl>`'s items for labelled figures (the organizer page and the dashboard), each marked with its label. */
export function figureItems(figures: ReadonlyArray<readonly [string, string]>): HTMLElement[] {
  return figures.map(([label, value]) => {
    const div = document.createElement('div');
    div.dataset.figure = label;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    div.append(dt, dd);
    return div;
  });
}
