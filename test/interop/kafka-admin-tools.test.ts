// Kafka's own admin tools, run from the jars the harness fetches, get the same answers from
// both brokers in the suite: kafka-acls (no authorizer: SecurityDisabledException),
// kafka-reassign-partitions --list (none), kafka-leader-election (one replica per partition:
// nothing to elect) and kafka-configs for users (the SASL listener's SCRAM users) and clients
// (no quotas). Each expectation is Apache Kafka 4.1's output.
import { beforeAll, describe, expect, it } from 'vitest';
import { newTopic } from '../support/cli-kafka.js';
import { ensureConsoleTools, runKafkaTool, type ConsoleTools } from '../support/java-console.js';
import { kafkaFromTests } from '../support/kafka-env.js';

const kafka = kafkaFromTests();
let tools: ConsoleTools;
let topic: string;

beforeAll(async () => {
  tools = await ensureConsoleTools();
  topic = await newTopic('admin-tools', 2);
});

/** Runs a tool on the plaintext listener: its exit code, and stdout and stderr as one text. */
async function tool(mainClass: string, args: string[]): Promise<{ exitCode: number; output: string; stdout: string }> {
  const result = await runKafkaTool(tools, mainClass, ['--bootstrap-server', kafka.bootstrap, ...args]);
  return { exitCode: result.exitCode ?? -1, output: `${result.stdout}\n${result.stderr}`, stdout: result.stdout.trim() };
}

const ACLS = 'org.apache.kafka.tools.AclCommand';
const ELECTION = 'org.apache.kafka.tools.LeaderElectionCommand';
const CONFIGS = 'kafka.admin.ConfigCommand';

describe(`Kafka's admin tools (${kafka.flavour} broker)`, { timeout: 120_000 }, () => {
  it('kafka-acls: listing, adding and removing are refused, no authorizer being configured', async () => {
    const listed = await tool(ACLS, ['--list']);
    expect(listed.exitCode).toBe(1);
    expect(listed.output).toContain('SecurityDisabledException: No Authorizer is configured on the broker');
    for (const args of [['--add', '--allow-principal', 'User:bob', '--operation', 'Read', '--topic', topic], ['--remove', '--force', '--topic', topic]]) {
      const changed = await tool(ACLS, args);
      expect(changed.exitCode, args.join(' ')).toBe(1);
      expect(changed.output, args.join(' ')).toContain('SecurityDisabledException: No Authorizer is configured.');
    }
  });

  it('kafka-reassign-partitions --list and kafka-leader-election find nothing to do', async () => {
    expect(await tool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', ['--list'])).toMatchObject({ exitCode: 0, stdout: 'No partition reassignments found.' });
    expect(await tool(ELECTION, ['--election-type', 'preferred', '--all-topic-partitions'])).toMatchObject({ exitCode: 0, stdout: '' });
    expect(await tool(ELECTION, ['--election-type', 'preferred', '--topic', topic, '--partition', '1'])).toMatchObject({ exitCode: 0, stdout: `Valid replica already elected for partitions ${topic}-1` });
  });

  it('kafka-configs describes the SCRAM users and finds no client quotas', async () => {
    const alice = `SCRAM credential configs for user-principal '${kafka.sasl.username}' are SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=4096`;
    // Apache Kafka lists the mechanisms in no fixed order.
    const users = async (args: string[]) => {
      const result = await tool(CONFIGS, ['--describe', '--entity-type', 'users', ...args]);
      return { ...result, stdout: result.stdout.replace(/ are (.*)$/, (_, list: string) => ` are ${list.split(', ').sort().join(', ')}`) };
    };
    expect(await users([])).toMatchObject({ exitCode: 0, stdout: alice });
    expect(await users(['--entity-name', kafka.sasl.username])).toMatchObject({ exitCode: 0, stdout: alice });
    expect(await tool(CONFIGS, ['--describe', '--entity-type', 'users', '--entity-name', 'nobody'])).toMatchObject({ exitCode: 0, stdout: '' });
    expect(await tool(CONFIGS, ['--describe', '--entity-type', 'clients'])).toMatchObject({ exitCode: 0, stdout: '' });
  });
});
