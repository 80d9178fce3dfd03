/**
 * HTTP clients each held to one gateway process of a product whose processes
 * share a port: one kept-alive connection per client, kept only once
 * /healthz says which process answers on it.
 */
import { Agent, request } from 'node:http';

export interface PinnedClient {
  /** The gateway process every request of this client reaches. */
  readonly server: string;
  call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): void;
}

function send(agent: Agent, port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pinned(port: number): { agent: Agent; client: (server: string) => PinnedClient } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    agent,
    client: (server) => ({
      server,
      async call(method, path, key, body) {
        const json = body === undefined ? undefined : JSON.stringify(body);
        const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) };
        const { status, text } = await send(agent, port, method, path, headers, json);
        return { status, body: text.length > 0 ? JSON.parse(text) : null };
      },
      close: () => agent.destroy(),
    }),
  };
}

/** One client on each of `count` different gateway processes of the product on `port`. */
export async function clientsOnEachProcess(port: number, count: number): Promise<PinnedClient[]> {
  const found = new Map<string, PinnedClient>();
  for (let attempt = 0; attempt < 100 && found.size < count; attempt++) {
    const { agent, client } = pinned(port);
    const { text } = await send(agent, port, 'GET', '/healthz', {});
    const server = (JSON.parse(text) as { server: string }).server;
    if (found.has(server)) agent.destroy();
    else found.set(server, client(server));
  }
  if (found.size < count) throw new Error(`only ${found.size} of ${count} gateway processes answered: is SO_REUSEPORT spreading connections?`);
  return [...found.values()];
}
