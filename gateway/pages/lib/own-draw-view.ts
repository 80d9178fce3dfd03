/**
 * The fan page's fairness card, once the place is numbered by a draw: the
 * place recomputed from the published draw (or why the draw does not check
 * out), what this device checked and what only the whole file proves, the
 * file to download, and the command that checks it independently.
 */
import { $ } from './dom.js';
import { drawUrl, type OwnDrawCheck } from './own-draw.js';

/** About 76 bytes of JSON an entry, and the header. */
const proofBytes = (count: number) => count * 76 + 600;

export function renderOwnDraw(check: OwnDrawCheck | null, eventId: string, fanId: string, receipt: string | null): void {
  $('#draw-own').hidden = check === null;
  $('#draw-file').hidden = check === null || check.kind !== 'recomputed';
  if (check === null) return;
  const line = $('#draw-check');
  const scope = $('#draw-scope');
  line.style.color = 'var(--bad)';
  scope.textContent = '';
  if (check.kind === 'checking') {
    line.style.color = '';
    line.textContent = 'Recomputing your place from the published draw…';
  } else if (check.kind === 'unavailable') {
    line.style.color = '';
    line.textContent = 'The published draw could not be fetched just now: your place will be checked when this page next connects.';
  } else if (check.kind === 'failed') {
    line.textContent = `✗ The published draw does not check out: ${check.reason}.`;
  } else {
    const agrees = check.number === check.queueNumber;
    line.style.color = agrees ? 'var(--ok)' : 'var(--bad)';
    line.textContent = agrees
      ? `Your place ${check.number.toLocaleString()} — recomputed from the published draw ✓`
      : `✗ The published draw puts you at place ${check.number.toLocaleString()}, but the queue gave you number ${check.queueNumber.toLocaleString()}.`;
    const entries = check.count.toLocaleString();
    scope.textContent = check.whole
      ? `Checked on this device: the seed matches its commitment, all ${entries} entries match the published digest, and every place in the order follows from them.`
      : `Checked on this device: the seed matches its commitment, and the draw's key and shuffle put your entry at this place. The list of ${entries} entries is too large to check on a phone: that it matches its digest — that no entry was changed, added or dropped — only the full file proves. Download it and check it.`;
    const file = `draw-${eventId}-${check.draw.replace(/[^\w.-]/g, '-')}.json`;
    const link = $<HTMLAnchorElement>('#draw-download');
    link.href = drawUrl(eventId, check.draw);
    link.download = file;
    const bytes = proofBytes(check.count);
    const size = bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} kB` : `${Math.round(bytes / 1e6).toLocaleString()} MB`;
    $('#draw-size').textContent = `(${entries} entries, about ${size})`;
    $('#draw-command').textContent = `npm run verify-shuffle -- ${file} --receipt ${receipt ?? '<receipt>'} --fan '${fanId.replace(/'/g, `'\\''`)}'`;
  }
}
