/**
 * A frozen owner, against real nats-server and redis-server and two real
 * shard processes: the shard owning the event is frozen (SIGSTOP) while it
 * holds a batch it could not write (Redis was down). Another shard takes the
 * partition over once the lease runs out, and requests are addressed to it
 * alone: every request sent once it serves is answered while the old owner
 * is still frozen (NATS would otherwise keep handing the frozen shard its
 * share). Woken (SIGCONT), the old owner still offers its pending batch; the
 * epoch fence refuses it, the shard says "fenced" and drops the partition,
 * and the journal holds nothing of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../engine/src/index.js';
import { startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { NatsEngineLink } from '../../../engine/link/nats-engine-link.js';
import { eventConfig, eventually } from '../helpers/test-gateway.js';

const SHARD_ENTRY = fileURLToPath(new URL('../../../launch/shard-process.ts', import.meta.url));
const EVENT = 'frozen-night';
const quiet = (): void => undefined;

let nats: LocalServer;
let redis: LocalServer;
let link: NatsEngineLink;
const shards: ChildProcess[] = [];
let output = '';

function startShard(id: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SHARD_ENTRY, '--nats', nats.url, '--redis', redis.url, '--partitions', '1', '--id', id], {
    env: { ...process.env, BREAKWATER_SECRET: 'frozen owner test secret 0123456789' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shards.push(child);
  return child;
}

/** Log lines of one shard process. */
const linesOf = (pid: number): string[] => output.split('\n').filter((line) => line.includes(`/${pid}]`));

/** The shard process serving partition 0 now, from the shards' log lines. */
function ownerPid(): number | undefined {
  let owner: number | undefined;
  for (const line of output.split('\n')) {
    const match = /\[shard [^\]]*\/(\d+)\] (serving|stopped serving) partition 0\b/.exec(line);
    if (match === null) continue;
    if (match[2] === 'serving') owner = Number(match[1]);
    else if (owner === Number(match[1])) owner = undefined;
  }
  return owner;
}

const join = (fanId: string) => link.execute({ op: 'openSession', eventId: EVENT, fanId, resume: false });

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  startShard('s1');
  await eventually(() => expect(ownerPid()).toBeDefined(), 60_000);
  startShard('s2');
  await eventually(() => expect(output).toMatch(/\[shard [^\]]*\/s2\/\d+\] started/), 60_000);
  link = await NatsEngineLink.connect({ servers: nats.url, owner: 'frozen-test', partitions: 1, requestTimeoutMs: 10_000, log: quiet });
  await eventually(async () => {
    await link.execute({ op: 'createEvent', config: eventConfig(Date.now(), { id: EVENT, onSaleAt: Date.now() }), publish: true, settings: {} });
  }, 30_000);
}, 120_000);

afterAll(async () => {
  for (const child of shards) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await link?.close();
  await Promise.all([nats?.stop(), redis?.stop()]);
}, 30_000);

describe('a frozen owner', () => {
  it('gets no new requests once another shard owns the partition, and its stale write is fenced', async () => {
    for (let i = 0; i < 5; i++) await join(`before-${i}`);
    const frozen = ownerPid()!;
    expect(frozen).toBeDefined();

    // Redis goes away: the owner's next batch cannot be written and waits, retried.
    await redis.kill();
    const stale = join('stale').then(() => 'answered', (err: unknown) => (err as { code?: string }).code);
    await eventually(() => expect(linesOf(frozen).join('\n')).toMatch(/journal write of \d+ entries failed, retrying/), 20_000);
    process.kill(frozen, 'SIGSTOP');
    await redis.start();

    // The other shard takes the partition once the frozen one's lease runs out.
    await eventually(() => expect(ownerPid()).not.toBe(frozen), 30_000);
    const successor = ownerPid()!;
    expect(successor).toBeDefined();
    expect(await stale).toBe('ENGINE_UNAVAILABLE'); // never answered: the fan retries with its key
    let probe = 0;
    await eventually(() => join(`probe-${probe++}`).then(() => undefined), 20_000);
    // Every request now goes to the new owner: none waits for the frozen one.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => join(`after-${i}`).then(() => 'ok', (err: unknown) => String((err as Error).message))));
    expect(results).toEqual(Array.from({ length: 20 }, () => 'ok'));

    // Woken, the old owner offers its pending batch; the fence refuses it.
    process.kill(frozen, 'SIGCONT');
    await eventually(() => expect(linesOf(frozen).join('\n')).toMatch(/fenced by a newer owner/), 20_000);
    expect(linesOf(frozen).join('\n')).toMatch(/stopped serving partition 0/);
    const journal = await link.execute({ op: 'journal', eventId: EVENT });
    expect(journal.filter((entry) => entry.type === 'joined' && entry.fanId === 'stale')).toEqual([]);
    const joined = journal.flatMap((entry) => (entry.type === 'joined' ? [entry.fanId] : []));
    for (let i = 0; i < 20; i++) expect(joined.filter((fanId) => fanId === `after-${i}`)).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(joined.filter((fanId) => fanId === `before-${i}`)).toHaveLength(1);
    expect(checkInvariants(journal)).toEqual([]);
  }, 120_000);
});
