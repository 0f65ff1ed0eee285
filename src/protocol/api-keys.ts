// The Kafka APIs the codec has schemas for: one row each with its key, its name
// and the schemas of its request and response (transcribed for the versions the
// broker serves). Which versions are served, and how, is the broker's registry
// (../apis.ts); this file knows nothing of handlers, so a Kafka client can share it.
import * as admin from './apis/admin.js';
import * as fetch from './apis/fetch.js';
import * as groups from './apis/groups.js';
import * as meta from './apis/metadata.js';
import * as produce from './apis/produce.js';
import * as sasl from './apis/sasl.js';
import * as txn from './apis/transactions.js';
import type { MessageSpec } from './schema.js';

/** A Kafka API as the codec sees it; the type parameters keep its key, name and schemas typed. */
export interface KafkaApi<Key extends number = number, Name extends string = string, Req extends MessageSpec = MessageSpec, Res extends MessageSpec = MessageSpec> {
  key: Key;
  name: Name;
  request: Req;
  response: Res;
}

function api<const Key extends number, const Name extends string, Req extends MessageSpec, Res extends MessageSpec>(key: Key, name: Name, request: Req, response: Res): KafkaApi<Key, Name, Req, Res> {
  return { key, name, request, response };
}

export const KAFKA_APIS = [
  api(0, 'Produce', produce.ProduceRequest, produce.ProduceResponse),
  api(1, 'Fetch', fetch.FetchRequest, fetch.FetchResponse),
  api(2, 'ListOffsets', fetch.ListOffsetsRequest, fetch.ListOffsetsResponse),
  api(3, 'Metadata', meta.MetadataRequest, meta.MetadataResponse),
  api(8, 'OffsetCommit', groups.OffsetCommitRequest, groups.OffsetCommitResponse),
  api(9, 'OffsetFetch', groups.OffsetFetchRequest, groups.OffsetFetchResponse),
  api(10, 'FindCoordinator', meta.FindCoordinatorRequest, meta.FindCoordinatorResponse),
  api(11, 'JoinGroup', groups.JoinGroupRequest, groups.JoinGroupResponse),
  api(12, 'Heartbeat', groups.HeartbeatRequest, groups.HeartbeatResponse),
  api(13, 'LeaveGroup', groups.LeaveGroupRequest, groups.LeaveGroupResponse),
  api(14, 'SyncGroup', groups.SyncGroupRequest, groups.SyncGroupResponse),
  api(15, 'DescribeGroups', groups.DescribeGroupsRequest, groups.DescribeGroupsResponse),
  api(16, 'ListGroups', groups.ListGroupsRequest, groups.ListGroupsResponse),
  api(17, 'SaslHandshake', sasl.SaslHandshakeRequest, sasl.SaslHandshakeResponse),
  api(18, 'ApiVersions', meta.ApiVersionsRequest, meta.ApiVersionsResponse),
  api(19, 'CreateTopics', admin.CreateTopicsRequest, admin.CreateTopicsResponse),
  api(20, 'DeleteTopics', admin.DeleteTopicsRequest, admin.DeleteTopicsResponse),
  api(21, 'DeleteRecords', admin.DeleteRecordsRequest, admin.DeleteRecordsResponse),
  api(22, 'InitProducerId', admin.InitProducerIdRequest, admin.InitProducerIdResponse),
  api(24, 'AddPartitionsToTxn', txn.AddPartitionsToTxnRequest, txn.AddPartitionsToTxnResponse),
  api(25, 'AddOffsetsToTxn', txn.AddOffsetsToTxnRequest, txn.AddOffsetsToTxnResponse),
  api(26, 'EndTxn', txn.EndTxnRequest, txn.EndTxnResponse),
  api(28, 'TxnOffsetCommit', txn.TxnOffsetCommitRequest, txn.TxnOffsetCommitResponse),
  api(29, 'DescribeAcls', admin.DescribeAclsRequest, admin.DescribeAclsResponse),
  api(30, 'CreateAcls', admin.CreateAclsRequest, admin.CreateAclsResponse),
  api(31, 'DeleteAcls', admin.DeleteAclsRequest, admin.DeleteAclsResponse),
  api(32, 'DescribeConfigs', admin.DescribeConfigsRequest, admin.DescribeConfigsResponse),
  api(33, 'AlterConfigs', admin.AlterConfigsRequest, admin.AlterConfigsResponse),
  api(35, 'DescribeLogDirs', admin.DescribeLogDirsRequest, admin.DescribeLogDirsResponse),
  api(36, 'SaslAuthenticate', sasl.SaslAuthenticateRequest, sasl.SaslAuthenticateResponse),
  api(37, 'CreatePartitions', admin.CreatePartitionsRequest, admin.CreatePartitionsResponse),
  api(42, 'DeleteGroups', groups.DeleteGroupsRequest, groups.DeleteGroupsResponse),
  api(43, 'ElectLeaders', admin.ElectLeadersRequest, admin.ElectLeadersResponse),
  api(44, 'IncrementalAlterConfigs', admin.IncrementalAlterConfigsRequest, admin.IncrementalAlterConfigsResponse),
  api(46, 'ListPartitionReassignments', admin.ListPartitionReassignmentsRequest, admin.ListPartitionReassignmentsResponse),
  api(47, 'OffsetDelete', groups.OffsetDeleteRequest, groups.OffsetDeleteResponse),
  api(48, 'DescribeClientQuotas', admin.DescribeClientQuotasRequest, admin.DescribeClientQuotasResponse),
  api(50, 'DescribeUserScramCredentials', admin.DescribeUserScramCredentialsRequest, admin.DescribeUserScramCredentialsResponse),
  api(61, 'DescribeProducers', txn.DescribeProducersRequest, txn.DescribeProducersResponse),
  api(65, 'DescribeTransactions', txn.DescribeTransactionsRequest, txn.DescribeTransactionsResponse),
  api(66, 'ListTransactions', txn.ListTransactionsRequest, txn.ListTransactionsResponse),
  api(68, 'ConsumerGroupHeartbeat', groups.ConsumerGroupHeartbeatRequest, groups.ConsumerGroupHeartbeatResponse),
  api(69, 'ConsumerGroupDescribe', groups.ConsumerGroupDescribeRequest, groups.ConsumerGroupDescribeResponse),
];

type AnyApi = (typeof KAFKA_APIS)[number];
export type ApiName = AnyApi['name'];
/** The API called `Name`, its schemas typed. */
export type ApiNamed<Name extends ApiName> = Extract<AnyApi, { name: Name }>;

/** API_KEY.Produce === 0, ..., from the rows above. */
export const API_KEY = Object.fromEntries(KAFKA_APIS.map((a) => [a.name, a.key])) as { readonly [A in AnyApi as A['name']]: A['key'] };

const byKey = new Map<number, KafkaApi>(KAFKA_APIS.map((a) => [a.key, a]));
const byName = new Map<string, KafkaApi>(KAFKA_APIS.map((a) => [a.name, a]));

export function apiByKey(key: number): KafkaApi | undefined {
  return byKey.get(key);
}

export function apiNamed<Name extends ApiName>(name: Name): ApiNamed<Name> {
  return byName.get(name) as ApiNamed<Name>;
}
