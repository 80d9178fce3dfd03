/**
 * The signing examples of docs/identity.md, run as an organizer would run
 * them (node, with jose), and the tokens they print accepted by a gateway.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FanClient } from './helpers/fan-client.js';
import { HS256_SECRET } from './helpers/identity-tokens.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(new URL('../../docs/identity.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## Signing a token (Node)'), doc.indexOf('## Handing the token over'));
const snippets = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

let gw: TestGateway;
const clients: FanClient[] = [];

/** Runs a snippet as an ES module from the repository (so `jose` resolves) and returns the URL it prints. */
async function run(snippet: string, env: Record<string, string>): Promise<URL> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', snippet], { cwd: ROOT, env: { ...process.env, ...env } });
  return new URL(stdout.trim());
}

async function joinWith(url: URL): Promise<Awaited<ReturnType<FanClient['join']>>> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  const identity = new URLSearchParams(url.hash.slice(1)).get('identity')!;
  return client.join(url.searchParams.get('event')!, 'ignored', { identity });
}

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

describe('docs/identity.md signing examples', () => {
  it('has an HS256 and an EdDSA example of about twenty lines', () => {
    expect(snippets).toHaveLength(2);
    expect(snippets[0]).toContain("alg: 'HS256'");
    expect(snippets[1]).toContain("alg: 'EdDSA'");
    for (const snippet of snippets) expect(snippet.trim().split('\n').length).toBeLessThanOrEqual(22);
  });

  it('HS256: the printed link carries a token the gateway accepts for that account', async () => {
    const eventId = await gw.createEvent({}, { identity: { required: true, hs256Secret: HS256_SECRET } } as never);
    const url = await run(snippets[0]!, { IDENTITY_SECRET: HS256_SECRET, EVENT_ID: eventId, ACCOUNT_ID: 'doc-reader' });
    expect(url.searchParams.get('event')).toBe(eventId);
    expect(await joinWith(url)).toMatchObject({ eventId, fanId: 'acct:doc-reader' });
  });

  it('EdDSA: the printed link carries a token the gateway accepts with only the public key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'doc-key' };
    const eventId = await gw.createEvent({}, { identity: { required: true, publicKeys: { keys: [{ ...(await exportJWK(publicKey)), kid: 'doc-key' }] } } } as never);
    const url = await run(snippets[1]!, { IDENTITY_PRIVATE_JWK: JSON.stringify(privateJwk), EVENT_ID: eventId, ACCOUNT_ID: 'doc-reader' });
    expect(await joinWith(url)).toMatchObject({ eventId, fanId: 'acct:doc-reader' });
  });
});
