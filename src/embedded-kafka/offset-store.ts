// Where committed consumer-group offsets live: in memory by default, in the
// data dir with --data-dir (see data-dir.ts). The group coordinator only
// talks to this interface.

export interface CommittedOffset {
  groupId: string;
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
  /** When the commit was accepted (ms since epoch). */
  commitTimestamp: number;
}

export interface OffsetStore {
  /** Every committed offset known at start-up (the latest per group/topic/partition). */
  load(): CommittedOffset[];
  /** Records one commit; later saves for the same key win. */
  save(offset: CommittedOffset): void;
  /** Forgets every offset of a group (DeleteGroups). */
  deleteGroup(groupId: string): void;
  /** Forgets every offset for a topic (DeleteTopics). */
  deleteTopic(topic: string): void;
  /** Forgets one group's offset of one partition (OffsetDelete). */
  deleteOffset(groupId: string, topic: string, partition: number): void;
  close(): void;
}

/** Keeps nothing across restarts: the default when the broker has no data dir. */
export class MemoryOffsetStore implements OffsetStore {
  load(): CommittedOffset[] {
    return [];
  }
  save(): void {}
  deleteGroup(): void {}
  deleteTopic(): void {}
  deleteOffset(): void {}
  close(): void {}
}
