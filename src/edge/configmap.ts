// The seed's Camel K ConfigMaps (mqtt2kafka-cm.yaml, kafka-to-s3-cm.yaml): one YAML document
// whose data."application.properties" holds the route's settings as Java properties.
import { UsageError } from '../errors.js';

/** Java properties (key=value or key: value, # and ! comments), as application.properties holds them. */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match) properties.set(match[1]!, match[2]!.trim());
  }
  return properties;
}

/** The properties of a ConfigMap file's data."application.properties"; `hint` says what to give instead. */
export async function configMapProperties(text: string, file: string, hint: string): Promise<Map<string, string>> {
  const YAML = await import('yaml');
  let document: unknown;
  try {
    document = YAML.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const data = (document as { data?: Record<string, unknown> } | null)?.data;
  const properties = data?.['application.properties'];
  if (typeof properties !== 'string') throw new UsageError(`${file}: no data."application.properties" in it.`, hint);
  return parseProperties(properties);
}
