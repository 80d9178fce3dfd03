/**
 * Live mode's stand-in for the organizer's systems: the event's organizer
 * webhook points here, so a fan who closed the page — no socket to tell it —
 * still hears a recall or a call, as a real fan would by the organizer's
 * e-mail or a push. Posts are checked like any receiver must: signed with
 * the event's secret, or refused.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OrganizerWebhook } from '../../../engine/host/notify/organizer-webhook.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../../engine/host/notify/webhook-signature.js';

export interface NotifyReceiver {
  /** What to set as the event's `settings.notifyWebhook`. */
  webhook: { url: string; secret: string };
  /** Webhooks received by type, and posts refused (bad signature or body). */
  counts(): { received: Record<string, number>; refused: number };
  close(): Promise<void>;
}

export async function startNotifyReceiver(onHook: (hook: OrganizerWebhook) => void): Promise<NotifyReceiver> {
  const secret = randomBytes(24).toString('hex');
  const received: Record<string, number> = {};
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let hook: OrganizerWebhook;
      try {
        verifyWebhookSignature(secret, req.headers[SIGNATURE_HEADER] as string | undefined, raw, Date.now());
        hook = JSON.parse(raw.toString('utf8')) as OrganizerWebhook;
      } catch {
        refused++;
        res.writeHead(400).end();
        return;
      }
      received[hook.type] = (received[hook.type] ?? 0) + 1;
      res.writeHead(204).end();
      onHook(hook);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    webhook: { url: `http://127.0.0.1:${port}/organizer-webhook`, secret },
    counts: () => ({ received: { ...received }, refused }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the gateway's keep-alive connections would hold the close up
    }),
  };
}
