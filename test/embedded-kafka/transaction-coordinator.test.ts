// The transaction coordinator on its own, with a clock and a store the test controls: a
// change the store cannot save is refused with a retriable code and changes nothing, and
// transactional ids idle past their expiration are forgotten (open ones are kept).
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCoordinator } from '../../src/embedded-kafka/group-coordinator.js';
import { PartitionLog } from '../../src/embedded-kafka/partition-log.js';
import { TransactionCoordinator, type TransactionRecord, type TransactionStore } from '../../src/embedded-kafka/transaction-coordinator.js';
import { silentLogger } from '../../src/logger.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The coordinator's key for partition t-0. */
const T0 = ['t', '0'].join('\0');
const coordinators: TransactionCoordinator[] = [];
afterEach(() => {
  for (const c of coordinators.splice(0)) c.close();
});

function setUp() {
  const clock = { now: 1_800_000_000_000 };
  const saved: { records: TransactionRecord[]; failing: boolean } = { records: [], failing: false };
  const store: TransactionStore = {
    load: () => saved.records,
    save: (records) => {
      if (saved.failing) throw new Error('ENOSPC: no space left on device');
      saved.records = records;
    },
  };
  const log = PartitionLog.open({ retentionBytes: -1 });
  let nextId = 100n;
  const coordinator = new TransactionCoordinator({
    store,
    groups: new GroupCoordinator(),
    partition: (topic, partition) => (topic === 't' && partition === 0 ? log : undefined),
    partitions: () => [{ name: 't-0', log }],
    allocateProducerId: () => nextId++,
    notifyAppend: () => {},
    log: silentLogger,
    now: () => clock.now,
    checkIntervalMs: 3_600_000,
  });
  coordinators.push(coordinator);
  return { coordinator, clock, saved };
}

describe('transaction coordinator', () => {
  it('refuses a change its store cannot save with COORDINATOR_NOT_AVAILABLE, changing nothing, and takes the retry', () => {
    const { coordinator, saved } = setUp();
    const p = coordinator.initProducerId('a', 60_000, -1n, -1);
    saved.failing = true;
    const refused = coordinator.addPartitions('a', p.producerId, p.producerEpoch, [{ topic: 't', partition: 0 }]);
    expect(refused.get(T0)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(coordinator.describe(['a'])[0]).toMatchObject({ state: 'Empty', partitions: [] });
    expect(saved.records.map((r) => r.state)).toEqual(['Empty']);
    saved.failing = false;
    expect(coordinator.addPartitions('a', p.producerId, p.producerEpoch, [{ topic: 't', partition: 0 }]).get(T0)).toBe(ErrorCode.NONE);
    expect(saved.records[0]).toMatchObject({ state: 'Ongoing', partitions: [['t', 0]] });
  });

  it('forgets transactional ids idle past their expiration (7 days), but not one with an open transaction', () => {
    const { coordinator, clock, saved } = setUp();
    coordinator.initProducerId('idle', 60_000, -1n, -1);
    const busy = coordinator.initProducerId('busy', 900_000, -1n, -1);
    clock.now += DAY_MS;
    coordinator.addPartitions('busy', busy.producerId, busy.producerEpoch, [{ topic: 't', partition: 0 }]);
    clock.now += 6 * DAY_MS + 1;
    coordinator.expire();
    // 'busy' is open but past its 15-minute timeout: aborted now, then idle from here.
    expect(coordinator.list([], [], -1n).map((t) => [t.transactionalId, t.state])).toEqual([['busy', 'CompleteAbort']]);
    expect(saved.records.map((r) => r.transactionalId)).toEqual(['busy']);
    clock.now += 7 * DAY_MS + 1;
    coordinator.expire();
    expect(coordinator.list([], [], -1n)).toEqual([]);
    expect(coordinator.describe(['idle'])[0].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  });
});
