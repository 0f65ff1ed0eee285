// The Kafka APIs the embedded broker serves: one row each, naming the API, the
// versions served and the handler. The key and the schemas come from the codec
// (protocol/api-keys.ts); serve() checks that the handler takes and returns the
// bodies those schemas describe. ApiVersions advertises exactly these rows and the
// connection dispatches by them: an API not here is absent from ApiVersions, so
// clients never send it (or fail cleanly if they must). README: "Adding a Kafka API".
import * as admin from './handlers/admin.js';
import type { Handler, RequestContext, ResponseBody } from './handlers/context.js';
import * as fetch from './handlers/fetch.js';
import * as groups from './handlers/groups.js';
import * as meta from './handlers/metadata.js';
import { handleProduce } from './handlers/produce.js';
import * as txn from './handlers/transactions.js';
import * as sasl from './handlers/sasl.js';
import { apiNamed, type ApiName } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ServedVersions } from '../protocol/frame.js';
import type { Message } from '../protocol/schema.js';

export interface ServedApi extends ServedVersions {
  /** The API's handler; serve() has checked its body types against the API's schemas. */
  handle(body: Message, ctx: RequestContext): Message | undefined | Promise<Message | undefined>;
  /** The lowest version ApiVersions names, where it is below the lowest served (see Produce). */
  advertisedMinVersion?: number;
}

function serve<Name extends ApiName>(name: Name, minVersion: number, maxVersion: number, handle: Handler<Name>, advertisedMinVersion?: number): ServedApi {
  return { ...apiNamed(name), minVersion, maxVersion, handle, ...(advertisedMinVersion === undefined ? {} : { advertisedMinVersion }) };
}

// Minimums: record batch v2 needs Produce v3+ and Fetch v4+ (older versions
// carry the pre-0.11 message formats, which this broker does not store). Produce is
// advertised from v0 all the same, as Apache Kafka 4.x does (KAFKA-18659): librdkafka
// (kcat, confluent-kafka) sends gzip, snappy and lz4 batches uncompressed unless it sees v2.
export const SERVED_APIS: readonly ServedApi[] = [
  serve('Produce', 3, 9, handleProduce, 0),
  serve('Fetch', 4, 12, fetch.handleFetch),
  serve('ListOffsets', 1, 10, fetch.handleListOffsets),
  serve('Metadata', 0, 12, meta.handleMetadata),
  serve('OffsetCommit', 2, 9, groups.handleOffsetCommit),
  serve('OffsetFetch', 1, 9, groups.handleOffsetFetch),
  serve('FindCoordinator', 0, 3, meta.handleFindCoordinator),
  serve('JoinGroup', 0, 9, groups.handleJoinGroup),
  serve('Heartbeat', 0, 4, groups.handleHeartbeat),
  serve('LeaveGroup', 0, 5, groups.handleLeaveGroup),
  serve('SyncGroup', 0, 5, groups.handleSyncGroup),
  serve('DescribeGroups', 0, 5, groups.handleDescribeGroups),
  serve('ListGroups', 0, 5, groups.handleListGroups),
  serve('ApiVersions', 0, 3, () => API_VERSIONS_BODY),
  serve('CreateTopics', 0, 7, admin.handleCreateTopics),
  serve('DeleteTopics', 0, 5, admin.handleDeleteTopics),
  serve('DeleteRecords', 0, 2, admin.handleDeleteRecords),
  serve('InitProducerId', 0, 4, admin.handleInitProducerId),
  serve('DescribeConfigs', 0, 4, admin.handleDescribeConfigs),
  serve('CreatePartitions', 0, 3, admin.handleCreatePartitions),
  serve('DeleteGroups', 0, 2, groups.handleDeleteGroups),
  serve('OffsetDelete', 0, 0, groups.handleOffsetDelete),
  serve('DescribeAcls', 1, 3, admin.handleDescribeAcls),
  serve('CreateAcls', 1, 3, admin.handleCreateAcls),
  serve('DeleteAcls', 1, 3, admin.handleDeleteAcls),
  serve('ElectLeaders', 0, 2, admin.handleElectLeaders),
  serve('ListPartitionReassignments', 0, 0, admin.handleListPartitionReassignments),
  serve('DescribeClientQuotas', 0, 1, admin.handleDescribeClientQuotas),
  serve('DescribeUserScramCredentials', 0, 0, admin.handleDescribeUserScramCredentials),
  serve('AlterConfigs', 0, 2, admin.handleAlterConfigs),
  serve('IncrementalAlterConfigs', 0, 1, admin.handleIncrementalAlterConfigs),
  serve('DescribeLogDirs', 1, 4, admin.handleDescribeLogDirs),
  serve('AddPartitionsToTxn', 0, 3, txn.handleAddPartitionsToTxn),
  serve('AddOffsetsToTxn', 0, 3, txn.handleAddOffsetsToTxn),
  serve('EndTxn', 0, 3, txn.handleEndTxn),
  serve('TxnOffsetCommit', 0, 3, txn.handleTxnOffsetCommit),
  serve('DescribeProducers', 0, 0, txn.handleDescribeProducers),
  serve('DescribeTransactions', 0, 0, txn.handleDescribeTransactions),
  serve('ListTransactions', 0, 1, txn.handleListTransactions),
  serve('ConsumerGroupHeartbeat', 0, 1, groups.handleConsumerGroupHeartbeat),
  serve('ConsumerGroupDescribe', 0, 0, groups.handleConsumerGroupDescribe),
  // v0 is served because librdkafka takes SaslHandshake as a feature only when v0 is listed; it
  // then sends v1. After a v0 handshake the tokens would follow unframed, which this broker does
  // not read (no current client does that when v1 is listed).
  serve('SaslHandshake', 0, 1, sasl.handleSaslHandshake),
  serve('SaslAuthenticate', 0, 2, sasl.handleSaslAuthenticate),
];

/** The ApiVersions answer: the rows above, as served. */
export const API_VERSIONS_BODY: ResponseBody<'ApiVersions'> = {
  errorCode: ErrorCode.NONE,
  apiKeys: SERVED_APIS.map((a) => ({ apiKey: a.key, minVersion: a.advertisedMinVersion ?? a.minVersion, maxVersion: a.maxVersion })),
  throttleTimeMs: 0,
};

const byKey = new Map(SERVED_APIS.map((a) => [a.key, a]));

/** The served API with this key, if any. */
export function servedApi(key: number): ServedApi | undefined {
  return byKey.get(key);
}
