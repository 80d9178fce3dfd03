/**
 * A local HTTP endpoint standing in for the organizer's systems: it records
 * every organizer webhook it receives, with its type and whether its
 * signature verifies under the secret the event's settings give.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../../engine/host/notify/webhook-signature.js';

export interface ReceivedWebhook {
  type: string | undefined;
  body: any;
  verified: boolean;
}

export class OrganizerReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Where the event's `notifyWebhook.url` points, once started. */
  url = '';
  private readonly server = createServer((req, res) => this.receive(req, res));

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let verified = true;
      try {
        verifyWebhookSignature(this.secret, req.headers['breakwater-signature'] as string | undefined, raw, Date.now());
      } catch {
        verified = false;
      }
      this.received.push({ type: req.headers['breakwater-webhook-type'] as string | undefined, body: JSON.parse(raw.toString('utf8')), verified });
      res.writeHead(204).end();
    });
  }
}
