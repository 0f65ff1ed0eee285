/** Topic and group names alone, for shell completion: one request each, no offsets or states. */
import type { KafkaClient } from './connect.js';

export type NameKind = 'topics' | 'groups';

export async function kafkaNames(client: KafkaClient, kind: NameKind): Promise<string[]> {
  const admin = await client.admin();
  try {
    const names = kind === 'topics' ? (await admin.allTopics(false)).map((t) => t.name) : (await admin.listGroups()).map((g) => g.groupId);
    return names.sort();
  } catch (error) {
    throw client.translate(error, `list ${kind}`);
  }
}
