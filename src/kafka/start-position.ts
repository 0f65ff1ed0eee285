import type { KafkaClient } from './connect.js';

export type OffsetReset = 'earliest' | 'latest';

/** Where a consumer starts and why: every consuming command states this aloud. */
export interface StartPosition {
  /** 'committed' when the group resumes from its own commits. */
  from: OffsetReset | 'committed';
  reason: string;
}

export interface StartChoice {
  group: string;
  /** A throw-away group firehose made up, as opposed to one the user named. */
  anonymous: boolean;
  fromBeginning: boolean;
  offsetReset?: OffsetReset;
}

/** Which reset policy applies to partitions without commits. */
export function resetPolicy(choice: StartChoice): OffsetReset {
  return choice.fromBeginning ? 'earliest' : (choice.offsetReset ?? 'latest');
}

/** Decides (and explains) the start position, looking up the group's commits on `topic`. */
export async function explainStartPosition(client: KafkaClient, topic: string, choice: StartChoice): Promise<StartPosition> {
  const reset = resetPolicy(choice);
  const why = choice.fromBeginning ? '--from-beginning' : choice.offsetReset ? `--offset-reset ${choice.offsetReset}` : 'the default';
  if (choice.anonymous) {
    return reset === 'earliest'
      ? { from: 'earliest', reason: `reading ${topic} from the earliest offset (${why}); no group, nothing committed` }
      : { from: 'latest', reason: `reading only new records on ${topic} (latest, ${why}); add --from-beginning to read what is already there` };
  }
  const admin = await client.admin();
  const committed = await admin
    .committedOffsets(choice.group, new Map([[topic, await admin.partitions(topic)]]))
    .catch((e) => { throw client.translate(e, `fetch offsets of group ${choice.group}`); });
  const hasCommits = (committed.get(topic)?.size ?? 0) > 0;
  if (hasCommits) {
    return {
      from: 'committed',
      reason: `group ${choice.group} resumes from its committed offsets on ${topic}; ${reset} (${why}) applies only to partitions it never committed`,
    };
  }
  return {
    from: reset,
    reason: `group ${choice.group} has no committed offsets on ${topic}, so it starts at the ${reset} offset (${why})`,
  };
}
