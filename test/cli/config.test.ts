// Named Kafka contexts (config add-context / use-context / contexts, --kafka-context,
// FIREHOSE_KAFKA_CONTEXT): which connection is in effect, and that commands really use it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { newTopic } from '../support/cli-kafka.js';
import { kafkaFromTests } from '../support/kafka-env.js';

const dir = mkdtempSync(join(tmpdir(), 'firehose-contexts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** firehose with its own config file, and no --bootstrap added. */
function withConfig() {
  const path = join(dir, `config-${files++}.yaml`);
  const cli = (argv: string[], env: Record<string, string> = {}) => runCli(argv, { env: { FIREHOSE_CONFIG: path, ...env } });
  return { path, cli };
}

async function inEffect(cli: ReturnType<typeof withConfig>['cli'], argv: string[] = [], env: Record<string, string> = {}) {
  const result = await cli(['config', 'view', '--output', 'json', ...argv], env);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { kafka: { context: { name: string; source: string } | null; bootstrap: string; bootstrapSource: string } }).kafka;
}

describe('named Kafka contexts', () => {
  it('add-context saves a connection; --kafka-context, the environment and use-context choose it; default goes back', async () => {
    const { path, cli } = withConfig();
    expect((await cli(['config', 'add-context', 'factory', '--bootstrap', 'factory-kafka:9092'])).code).toBe(0);
    expect((await cli(['config', 'add-context', 'central', '--bootstrap', 'central-kafka:9093', '--ca-file', '/etc/central-ca.pem'])).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toMatch(/kafkaContexts:\n {2}factory:\n {4}bootstrap: factory-kafka:9092\n {2}central:\n {4}bootstrap: central-kafka:9093\n {4}caFile: \/etc\/central-ca.pem/);

    expect(await inEffect(cli)).toMatchObject({ context: null, bootstrap: 'localhost:9092', bootstrapSource: 'default' });
    expect(await inEffect(cli, ['--kafka-context', 'central'])).toMatchObject({ context: { name: 'central', source: 'flag' }, bootstrap: 'central-kafka:9093', bootstrapSource: 'config' });
    expect(await inEffect(cli, [], { FIREHOSE_KAFKA_CONTEXT: 'factory' })).toMatchObject({ context: { name: 'factory', source: 'env' }, bootstrap: 'factory-kafka:9092' });
    // The flag beats an exported KAFKA_BOOTSTRAP_SERVERS; without it the environment wins as always.
    expect(await inEffect(cli, ['--kafka-context', 'central'], { KAFKA_BOOTSTRAP_SERVERS: 'env-kafka:1' })).toMatchObject({ bootstrap: 'central-kafka:9093' });
    expect(await inEffect(cli, [], { KAFKA_BOOTSTRAP_SERVERS: 'env-kafka:1' })).toMatchObject({ bootstrap: 'env-kafka:1', bootstrapSource: 'env' });

    expect((await cli(['config', 'use-context', 'factory'])).code).toBe(0);
    expect(await inEffect(cli)).toMatchObject({ context: { name: 'factory', source: 'config' }, bootstrap: 'factory-kafka:9092' });
    const listed = await cli(['config', 'contexts']);
    expect(listed.stdout).toMatch(/^ {2}default +\(no bootstrap: localhost:9092\)\n\* factory +factory-kafka:9092\n {2}central +central-kafka:9093\n$/);
    const text = await cli(['config', 'view']);
    expect(text.stdout).toContain('kafka context: factory (from config)');

    expect((await cli(['config', 'use-context', 'default'])).code).toBe(0);
    expect(await inEffect(cli)).toMatchObject({ context: null, bootstrap: 'localhost:9092' });
    expect(readFileSync(path, 'utf8')).not.toContain('kafkaContext:');
  });

  it('commands connect through the context in effect', async () => {
    const { cli } = withConfig();
    const topic = await newTopic('contexts', 1);
    expect((await cli(['config', 'add-context', 'lab', '--bootstrap', kafkaFromTests().bootstrap])).code).toBe(0);
    // Without the context: the default localhost address, where the test broker is not.
    const viaContext = await cli(['topics', 'describe', topic, '--kafka-context', 'lab', '--output', 'json']);
    expect(viaContext.code, viaContext.stderr).toBe(0);
    expect(JSON.parse(viaContext.stdout)).toMatchObject({ topic });
  });

  it('an unknown context, a context without --bootstrap and a bad name are usage errors (exit 2)', async () => {
    const { cli } = withConfig();
    await cli(['config', 'add-context', 'central', '--bootstrap', 'central-kafka:9093']);
    const unknown = await cli(['topics', '--kafka-context', 'centrl']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: There is no Kafka context "centrl" (from --kafka-context); the config file has central.');
    const noBootstrap = await cli(['config', 'add-context', 'x']);
    expect(noBootstrap.code).toBe(2);
    expect(noBootstrap.stderr).toContain('A Kafka context needs --bootstrap');
    expect((await cli(['config', 'add-context', 'default', '--bootstrap', 'a:1'])).code).toBe(2);
    expect((await cli(['config', 'add-context', 'no/slash', '--bootstrap', 'a:1'])).code).toBe(2);
    const useUnknown = await cli(['config', 'use-context', 'nope']);
    expect(useUnknown.code).toBe(2);
    expect(useUnknown.stderr).toContain('There is no Kafka context "nope"');
  });
});
