// The APIs the embedded broker serves and the version range of each, as
// advertised in ApiVersions. An API not listed here is absent from
// ApiVersions, so clients never send it (or fail cleanly if they must).
import * as admin from './apis/admin.js';
import * as groups from './apis/groups.js';
import * as meta from './apis/metadata.js';
import * as pf from './apis/produce-fetch.js';
import type { MessageSpec } from './schema.js';

export interface ApiDefinition {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  request: MessageSpec;
  response: MessageSpec;
}

function api(key: number, name: string, minVersion: number, maxVersion: number, request: MessageSpec, response: MessageSpec): ApiDefinition {
  return { key, name, minVersion, maxVersion, request, response };
}

export const API_KEY = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  DescribeConfigs: 32,
  CreatePartitions: 37,
  DeleteGroups: 42,
} as const;

// Minimums: record batch v2 needs Produce v3+ and Fetch v4+ (older versions
// carry the pre-0.11 message formats, which this broker does not store).
export const APIS: readonly ApiDefinition[] = [
  api(API_KEY.Produce, 'Produce', 3, 9, pf.ProduceRequest, pf.ProduceResponse),
  api(API_KEY.Fetch, 'Fetch', 4, 12, pf.FetchRequest, pf.FetchResponse),
  api(API_KEY.ListOffsets, 'ListOffsets', 1, 7, pf.ListOffsetsRequest, pf.ListOffsetsResponse),
  api(API_KEY.Metadata, 'Metadata', 0, 12, meta.MetadataRequest, meta.MetadataResponse),
  api(API_KEY.OffsetCommit, 'OffsetCommit', 2, 8, groups.OffsetCommitRequest, groups.OffsetCommitResponse),
  api(API_KEY.OffsetFetch, 'OffsetFetch', 1, 7, groups.OffsetFetchRequest, groups.OffsetFetchResponse),
  api(API_KEY.FindCoordinator, 'FindCoordinator', 0, 3, meta.FindCoordinatorRequest, meta.FindCoordinatorResponse),
  api(API_KEY.JoinGroup, 'JoinGroup', 0, 9, groups.JoinGroupRequest, groups.JoinGroupResponse),
  api(API_KEY.Heartbeat, 'Heartbeat', 0, 4, groups.HeartbeatRequest, groups.HeartbeatResponse),
  api(API_KEY.LeaveGroup, 'LeaveGroup', 0, 5, groups.LeaveGroupRequest, groups.LeaveGroupResponse),
  api(API_KEY.SyncGroup, 'SyncGroup', 0, 5, groups.SyncGroupRequest, groups.SyncGroupResponse),
  api(API_KEY.DescribeGroups, 'DescribeGroups', 0, 5, groups.DescribeGroupsRequest, groups.DescribeGroupsResponse),
  api(API_KEY.ListGroups, 'ListGroups', 0, 5, groups.ListGroupsRequest, groups.ListGroupsResponse),
  api(API_KEY.ApiVersions, 'ApiVersions', 0, 3, meta.ApiVersionsRequest, meta.ApiVersionsResponse),
  api(API_KEY.CreateTopics, 'CreateTopics', 0, 7, admin.CreateTopicsRequest, admin.CreateTopicsResponse),
  api(API_KEY.DeleteTopics, 'DeleteTopics', 0, 5, admin.DeleteTopicsRequest, admin.DeleteTopicsResponse),
  api(API_KEY.DeleteRecords, 'DeleteRecords', 0, 2, admin.DeleteRecordsRequest, admin.DeleteRecordsResponse),
  api(API_KEY.InitProducerId, 'InitProducerId', 0, 4, admin.InitProducerIdRequest, admin.InitProducerIdResponse),
  api(API_KEY.DescribeConfigs, 'DescribeConfigs', 0, 4, admin.DescribeConfigsRequest, admin.DescribeConfigsResponse),
  api(API_KEY.CreatePartitions, 'CreatePartitions', 0, 3, admin.CreatePartitionsRequest, admin.CreatePartitionsResponse),
  api(API_KEY.DeleteGroups, 'DeleteGroups', 0, 2, groups.DeleteGroupsRequest, groups.DeleteGroupsResponse),
];

const byKey = new Map(APIS.map((a) => [a.key, a]));

export function apiByKey(key: number): ApiDefinition | undefined {
  return byKey.get(key);
}
