/**
 * Epoch ms with sub-ms resolution, on the system clock the servers' Date.now()
 * reads: performance.timeOrigin alone can be off by a few ms, so the offset is
 * taken at a Date.now() millisecond edge (accurate to a few µs). Shared by the
 * bench's and the live simulator's load processes.
 */
const origin = ((): number => {
  const start = Date.now();
  let edge = start;
  while (edge === start) edge = Date.now();
  return edge - performance.now();
})();

export const wallNow = (): number => origin + performance.now();
