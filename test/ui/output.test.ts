// The output rule (src/ui/output.ts): data on stdout as text, JSON lines or a YAML stream;
// status, summaries and warnings on stderr; nothing for people on stdout with --output json/yaml.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Output, type OutputFormat } from '../../src/ui/output.js';
import { runCli } from '../support/cli.js';

function capture(format: OutputFormat) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { stdout: '', stderr: '' };
  stdout.on('data', (c: Buffer) => { text.stdout += c.toString(); });
  stderr.on('data', (c: Buffer) => { text.stderr += c.toString(); });
  return { out: new Output({ format, color: false, verbose: false, stdout, stderr }), text };
}

const docs = [{ topic: 'a', partitions: 3 }, { topic: 'b', nested: { list: [1, 'two'] } }];

describe('the output rule', () => {
  it('json: one document per line on stdout, status and warnings on stderr', () => {
    const { out, text } = capture('json');
    out.info('Assigned partitions [0]');
    for (const d of docs) out.data(d);
    out.warn('careful');
    expect(text.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(docs);
    expect(text.stderr).toBe('Assigned partitions [0]\nwarning: careful\n');
    expect(out.structured).toBe(true);
    expect(out.interactive).toBe(false);
  });

  it('name: kind.group/name per Kubernetes object (kubectl -o name), flat or with metadata; refuses data without objects', () => {
    const { out, text } = capture('name');
    out.data([
      { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'js-example-service' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fn' },
    ]);
    out.data({ removed: [], dryRun: false }, []);
    expect(text.stdout).toBe('broker.eventing.knative.dev/default\nservice/js-example-service\ndeployment.apps/fn\n');
    expect(() => out.data(docs)).toThrow(/^--output name prints Kubernetes objects/);
    expect(() => out.document({ topic: 'a' })).toThrow(/^--output name prints Kubernetes objects/);
    expect(out.structured).toBe(true);
  });

  it('yaml: a multi-document YAML stream that parses back to the same values', () => {
    const { out, text } = capture('yaml');
    for (const d of docs) out.data(d);
    expect(text.stdout.startsWith('---')).toBe(false);
    expect(text.stdout).toContain('\n---\n');
    expect(parseAllDocuments(text.stdout).map((d) => d.toJS() as unknown)).toEqual(docs);
    expect(text.stderr).toBe('');
  });

  it('text: results for people on stdout, status on stderr', () => {
    const { out, text } = capture('text');
    out.line('TOPIC  PARTITIONS');
    out.info('Done.');
    expect(text).toEqual({ stdout: 'TOPIC  PARTITIONS\n', stderr: 'Done.\n' });
    expect(out.structured).toBe(false);
  });
});

describe('--output on the command line', () => {
  it('yaml prints the same data as json', async () => {
    const json = await runCli(['render', '--output', 'json']);
    const yaml = await runCli(['render', '-o', 'yaml']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parseAllDocuments(yaml.stdout).map((d) => d.toJS() as unknown)).toEqual([JSON.parse(json.stdout) as unknown]);
  });

  it('writes an error as one YAML document on stderr with -o yaml, and nothing on stdout', async () => {
    const result = await runCli(['render', 'no-such-template', '-o', 'yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [doc, ...more] = parseAllDocuments(result.stderr);
    expect(more).toEqual([]);
    expect(doc!.toJS()).toMatchObject({ error: { code: expect.any(String), message: expect.stringContaining('no-such-template') } });
  });

  it('refuses an unknown format as a usage error naming the choices', async () => {
    const result = await runCli(['render', '--output', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/xml/);
    expect(result.stderr).toMatch(/text, json, yaml/);
  });
});
