/** Fan clients of a product with several worker processes on one port, closed together at the end. */
import { FanClient } from './fan-client.js';

export function workerFans(url: () => string) {
  const clients: FanClient[] = [];

  /** A fan connection (from `localAddress`, to play another client address, when given). */
  async function fan(localAddress?: string): Promise<FanClient> {
    const client = await FanClient.connect(url(), { localAddress });
    clients.push(client);
    return client;
  }

  /** Connects until the kernel hands the connection to a worker other than `serverId`. */
  async function fanOnAnotherWorker(serverId: string | undefined): Promise<FanClient> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const client = await fan();
      if (client.serverId !== serverId) return client;
      await client.close();
    }
    throw new Error('every connection landed on the same worker: is SO_REUSEPORT spreading them?');
  }

  const closeAll = async (): Promise<void> => {
    await Promise.all(clients.map((c) => c.close()));
  };

  return { fan, fanOnAnotherWorker, closeAll };
}
