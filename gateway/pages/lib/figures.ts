/** A `<dl>`'s items for labelled figures (the organizer page and the dashboard), each marked with its label; a third element explains it (a tooltip). */
export function figureItems(figures: ReadonlyArray<readonly [string, string, string?]>): HTMLElement[] {
  return figures.map(([label, value, hint]) => {
    const div = document.createElement('div');
    div.dataset.figure = label;
    if (hint !== undefined) div.title = hint;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    div.append(dt, dd);
    return div;
  });
}
