// The request fuzzer: requests generated from the broker's own schemas for
// every API and version, large and with many elements, sent whole or mutated
// (bits flipped, cut short, a length or count blown up). Whatever one
// connection sends, the broker answers it or closes it, and meanwhile keeps
// answering a bystander connection. Bounded in time; the seed reproduces a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVED_APIS } from '../../src/embedded-kafka/apis.js';
import { API_KEY } from '../../src/protocol/api-keys.js';
import { encodeMessage } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/embedded-kafka/server.js';
import { MessageGenerator, prng, type Shape } from '../support/protocol-generator.js';
import { RawClient } from '../support/raw-kafka-client.js';
import { waitFor } from '../support/wait.js';

let broker: EmbeddedBroker;
let bystander: RawClient;

beforeAll(async () => {
  broker = await startEmbeddedBroker({ port: 0, maxRequestBytes: 8 * 1024 * 1024 });
  bystander = await RawClient.open(broker.port);
});
afterAll(async () => {
  bystander?.close();
  await broker?.stop();
});

const SHAPES: Shape[] = [
  { arrayItems: [3, 2, 2], maxString: 100, maxBytes: 200 },
  { arrayItems: [1500, 2, 1], maxString: 200, maxBytes: 500 },
  { arrayItems: [2, 1500, 1], maxString: 50, maxBytes: 200 },
  { arrayItems: [4, 3, 2], maxString: 8000, maxBytes: 200_000 },
];

/** One request frame (size prefix included) for `api` at `version` with a generated body. */
function frame(apiKey: number, version: number, flexibleHeader: boolean, body: Buffer, correlationId: number): Buffer {
  const writer = new Writer().int32(0).int16(apiKey).int16(version).int32(correlationId).string('fuzz');
  if (flexibleHeader) writer.uvarint(0);
  const out = Buffer.concat([writer.toBuffer(), body]);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

function mutate(body: Buffer, random: () => number): { body: Buffer; how: string } {
  const pick = Math.floor(random() * 4);
  const copy = Buffer.from(body);
  if (pick === 0 || copy.length < 8) return { body: copy, how: 'whole' };
  if (pick === 1) {
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) copy[Math.floor(random() * copy.length)]! ^= 1 << Math.floor(random() * 8);
    return { body: copy, how: `${flips} bits flipped` };
  }
  if (pick === 2) {
    const at = Math.floor(random() * copy.length);
    return { body: copy.subarray(0, at), how: `cut at ${at}` };
  }
  const at = Math.floor(random() * (copy.length - 4));
  copy.writeInt32BE(0x7fffffff, at);
  return { body: copy, how: `int32 at ${at} set to 2^31-1` };
}

describe('embedded broker: large and mutated requests', () => {
  it('answers or closes every one, and a bystander is answered throughout', { timeout: 120_000 }, async () => {
    const seed = 20261203;
    const random = prng(seed);
    const budgetMs = 25_000;
    const started = Date.now();
    let sent = 0;
    const outcomes = { answered: 0, closed: 0, waiting: 0 };
    while (Date.now() - started < budgetMs && sent < 400) {
      const api = SERVED_APIS[Math.floor(random() * SERVED_APIS.length)]!;
      const version = api.minVersion + Math.floor(random() * (api.maxVersion - api.minVersion + 1));
      const shape = SHAPES[Math.floor(random() * SHAPES.length)]!;
      const message = new MessageGenerator(Math.floor(random() * 2 ** 31), shape).message(api.request, version);
      // Keep the fuzzer from waiting out a generated long poll or rebalance timeout.
      if ('maxWaitMs' in message) message.maxWaitMs = Math.min(Math.abs(message.maxWaitMs as number), 100);
      const writer = new Writer();
      encodeMessage(writer, api.request, version, message);
      const { body, how } = mutate(writer.toBuffer(), random);
      const what = `seed ${seed}, request ${sent}: ${api.name} v${version}, ${how}`;

      const client = await RawClient.open(broker.port);
      let outcome: 'answered' | 'closed' | 'waiting' | undefined;
      client.socket.once('data', () => (outcome ??= 'answered'));
      void client.closed.then(() => (outcome ??= 'closed'));
      client.sendRaw(frame(api.key, version, version >= api.request.flexibleFrom, body, sent));
      // The property: the broker is never stalled by it. A bystander's request is answered in time.
      const meta = await Promise.race([
        bystander.request(API_KEY.Metadata, 1, { topics: [] }),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`bystander not answered within 10 s after ${what}`)), 10_000)),
      ]);
      expect((meta as { brokers: Array<{ port: number }> }).brokers[0]!.port, what).toBe(broker.port);
      // The fuzzed connection gets an answer or a close; one still waiting (a join, a poll) after 2 s counts as waiting.
      await waitFor(() => outcome !== undefined, { timeoutMs: 2000, what, intervalMs: 5 }).catch(() => (outcome = 'waiting'));
      outcomes[outcome!]++;
      client.close();
      sent++;
    }
    expect(sent).toBeGreaterThan(50);
    expect(outcomes.answered + outcomes.closed, JSON.stringify(outcomes)).toBeGreaterThan(sent * 0.8);
    const healthy = await RawClient.open(broker.port);
    const meta = await healthy.request(API_KEY.Metadata, 1, { topics: null });
    expect(meta.brokers[0].port, `seed ${seed}`).toBe(broker.port);
    healthy.close();
  });
});
