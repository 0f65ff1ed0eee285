import { API_KEY } from '../protocol/api-keys.js';
import * as admin from './admin.js';
import type { Handler } from './context.js';
import * as fetch from './fetch.js';
import * as groups from './groups.js';
import * as meta from './metadata.js';
import { handleProduce } from './produce.js';

export const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [API_KEY.Produce, handleProduce],
  [API_KEY.Fetch, fetch.handleFetch],
  [API_KEY.ListOffsets, fetch.handleListOffsets],
  [API_KEY.Metadata, meta.handleMetadata],
  [API_KEY.OffsetCommit, groups.handleOffsetCommit],
  [API_KEY.OffsetFetch, groups.handleOffsetFetch],
  [API_KEY.FindCoordinator, meta.handleFindCoordinator],
  [API_KEY.JoinGroup, groups.handleJoinGroup],
  [API_KEY.Heartbeat, groups.handleHeartbeat],
  [API_KEY.LeaveGroup, groups.handleLeaveGroup],
  [API_KEY.SyncGroup, groups.handleSyncGroup],
  [API_KEY.DescribeGroups, groups.handleDescribeGroups],
  [API_KEY.ListGroups, groups.handleListGroups],
  [API_KEY.ApiVersions, meta.handleApiVersions],
  [API_KEY.CreateTopics, admin.handleCreateTopics],
  [API_KEY.DeleteTopics, admin.handleDeleteTopics],
  [API_KEY.DeleteRecords, admin.handleDeleteRecords],
  [API_KEY.InitProducerId, admin.handleInitProducerId],
  [API_KEY.DescribeConfigs, admin.handleDescribeConfigs],
  [API_KEY.CreatePartitions, admin.handleCreatePartitions],
  [API_KEY.DeleteGroups, groups.handleDeleteGroups],
]);
