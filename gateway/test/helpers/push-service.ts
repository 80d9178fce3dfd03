/**
 * For the Web Push tests: a browser's side of a push subscription (a P-256
 * key pair and a 16-byte auth secret, as PushManager.subscribe makes them),
 * the decryption of an aes128gcm push body (RFC 8188 record, RFC 8291 keys)
 * written from the RFCs with node:crypto, independent of `web-push`, and a
 * plain HTTP server on 127.0.0.1 standing in for a browser's push service.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, jwtVerify, type JWTPayload } from 'jose';

export interface BrowserKeys {
  ecdh: ECDH;
  /** As PushSubscription.toJSON() gives them: base64url. */
  p256dh: string;
  auth: string;
}

export function browserKeys(): BrowserKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
}

const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

/** The plaintext of an aes128gcm push body of one record, as the browser would read it. */
export function decryptPush(body: Buffer, keys: BrowserKeys): string {
  // RFC 8188 §2.1 header: salt (16) | record size (4) | key id length (1) | key id (the sender's public key, RFC 8291 §4).
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const receiverKey = keys.ecdh.getPublicKey();
  // RFC 8291 §3.3-3.4: the input keying material from the ECDH secret and the auth secret.
  const ikm = hkdf(Buffer.from(keys.auth, 'base64url'), keys.ecdh.computeSecret(senderKey), Buffer.concat([Buffer.from('WebPush: info\0'), receiverKey, senderKey]), 32);
  // RFC 8188 §2.2-2.3: the content encryption key and the nonce of record 0.
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('not the last record: no 0x02 delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/**
 * The VAPID token of an Authorization header (`vapid t=<jwt>, k=<key>`,
 * RFC 8292), verified with `publicKey` (base64url, uncompressed point): its
 * claims. Throws when the key is not the header's, or the signature is wrong.
 */
export async function verifyVapid(authorization: string | undefined, publicKey: string, audience: string): Promise<JWTPayload> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (match === null) throw new Error(`not a VAPID Authorization header: ${authorization}`);
  if (match[2] !== publicKey) throw new Error('the header names another public key');
  const point = Buffer.from(publicKey, 'base64url');
  const key = await importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, 'ES256');
  const { payload } = await jwtVerify(match[1]!, key, { audience, algorithms: ['ES256'] });
  return payload;
}

export interface ReceivedPush {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A push service on 127.0.0.1: records every push, answers 201 unless told otherwise for a path. */
export class PushServiceStandIn {
  readonly received: ReceivedPush[] = [];
  /** Path → statuses to answer, in turn (the last one stays). */
  readonly answers = new Map<string, number[]>();

  private constructor(private readonly server: Server, readonly origin: string) {}

  static async start(): Promise<PushServiceStandIn> {
    let service: PushServiceStandIn | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        service!.received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
        const answers = service!.answers.get(path) ?? [];
        res.writeHead(answers.length > 1 ? answers.shift()! : (answers[0] ?? 201)).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    service = new PushServiceStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return service;
  }

  to(path: string): ReceivedPush[] {
    return this.received.filter((push) => push.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
