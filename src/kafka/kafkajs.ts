/**
 * kafkajs is CommonJS: Node's ESM loader exposes only some of its exports by name, so
 * firehose reads them from the module object it always has. Loaded on first use only.
 */
export async function loadKafkaJs(): Promise<typeof import('kafkajs')> {
  const module = (await import('kafkajs')) as typeof import('kafkajs') & { default?: typeof import('kafkajs') };
  return module.default ?? module;
}
