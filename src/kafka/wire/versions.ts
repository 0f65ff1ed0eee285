// The versions of each Kafka API this client speaks: what its schemas
// (src/protocol/apis/) are transcribed for. ApiVersions negotiation picks, per
// API, the highest version both this table and the broker accept.
import type { ApiName } from '../../protocol/api-keys.js';

export const CLIENT_VERSIONS: { readonly [Name in ApiName]: readonly [min: number, max: number] } = {
  // Record batch v2 needs Produce v3+ and Fetch v4+.
  Produce: [3, 9],
  Fetch: [4, 12],
  ListOffsets: [1, 7],
  Metadata: [1, 12],
  // v9 is the first a KIP-848 member may commit with; the same body as v8.
  OffsetCommit: [2, 9],
  OffsetFetch: [1, 7],
  FindCoordinator: [0, 3],
  JoinGroup: [0, 9],
  Heartbeat: [0, 4],
  LeaveGroup: [0, 5],
  SyncGroup: [0, 5],
  DescribeGroups: [0, 5],
  ListGroups: [0, 5],
  // sasl.ts writes these two by hand, at v1, before any other request.
  SaslHandshake: [1, 1],
  ApiVersions: [0, 3],
  CreateTopics: [0, 7],
  DeleteTopics: [0, 5],
  DeleteRecords: [0, 2],
  InitProducerId: [0, 4],
  DescribeConfigs: [0, 4],
  AlterConfigs: [0, 2],
  DescribeLogDirs: [1, 4],
  IncrementalAlterConfigs: [0, 1],
  CreatePartitions: [0, 3],
  SaslAuthenticate: [1, 1],
  DeleteGroups: [0, 2],
  // Admin APIs the embedded broker answers for Kafka's tools; this client does not send them.
  DescribeAcls: [1, 3],
  CreateAcls: [1, 3],
  DeleteAcls: [1, 3],
  ElectLeaders: [0, 2],
  ListPartitionReassignments: [0, 0],
  DescribeClientQuotas: [0, 1],
  DescribeUserScramCredentials: [0, 0],
  OffsetDelete: [0, 0],
  // Transactions: the codec has them for the embedded broker; the client does not send them yet.
  AddPartitionsToTxn: [0, 3],
  AddOffsetsToTxn: [0, 3],
  EndTxn: [0, 3],
  TxnOffsetCommit: [0, 3],
  DescribeProducers: [0, 0],
  DescribeTransactions: [0, 0],
  ListTransactions: [0, 1],
  // v1 (Kafka 4.0+): the member makes up its own id.
  ConsumerGroupHeartbeat: [1, 1],
  ConsumerGroupDescribe: [0, 0],
};

/** Per API key, the highest version both sides speak; absent when none is common. */
export function negotiate(brokerRanges: ReadonlyArray<{ apiKey: number; minVersion: number; maxVersion: number }>, keyOf: (name: ApiName) => number): Map<number, number> {
  const chosen = new Map<number, number>();
  const broker = new Map(brokerRanges.map((r) => [r.apiKey, r]));
  for (const [name, [min, max]] of Object.entries(CLIENT_VERSIONS) as Array<[ApiName, readonly [number, number]]>) {
    const key = keyOf(name);
    const theirs = broker.get(key);
    if (!theirs) continue;
    const version = Math.min(max, theirs.maxVersion);
    if (version >= Math.max(min, theirs.minVersion)) chosen.set(key, version);
  }
  return chosen;
}
