/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export class Progress {
  private readonly enabled: boolean;
  private lastDraw = 0;

  constructor(enabled = process.stderr.isTTY === true) {
    this.enabled = enabled;
  }

  /** `fraction` of the run done; `text` what to show beside the bar. Redraws at most 5 times a second. */
  update(fraction: number, text: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const width = 24;
    const done = Math.max(0, Math.min(width, Math.round(fraction * width)));
    const line = `[${'#'.repeat(done)}${'-'.repeat(width - done)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${text}`;
    const columns = process.stderr.columns ?? 120;
    process.stderr.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, line.length))}\x1b[K`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}
