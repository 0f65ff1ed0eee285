// Fetch the Kafka broker jars into the cache ahead of the test run, so Maven
// output and download time don't land inside vitest's hook timeout.
import { ensureKafkaJars, KAFKA_VERSION } from './kafka.js';

const libs = await ensureKafkaJars();
console.log(`Kafka ${KAFKA_VERSION} jars: ${libs}`);
