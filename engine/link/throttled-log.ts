/**
 * A log that holds under attack: at most `perMinute` lines a minute get
 * through; the rest are counted, and the next line that gets through says how
 * many were left out. Anything an attacker can trigger at will would
 * otherwise fill the disk and drown the lines that matter.
 */
export interface ThrottledLog {
  (message: string): void;
  /** Lines left out since the start. */
  readonly suppressed: number;
}

export function throttledLog(write: (message: string) => void, perMinute = 30, now: () => number = Date.now): ThrottledLog {
  let windowStart = -Infinity;
  let written = 0;
  let skipped = 0;
  let suppressed = 0;
  const log = (message: string): void => {
    const at = now();
    if (at - windowStart >= 60_000) {
      windowStart = at;
      written = 0;
    }
    if (written >= perMinute) {
      skipped++;
      suppressed++;
      return;
    }
    written++;
    write(skipped === 0 ? message : `${message} (${skipped} earlier log lines left out: over ${perMinute} a minute)`);
    skipped = 0;
  };
  return Object.defineProperty(log, 'suppressed', { get: () => suppressed }) as ThrottledLog;
}
