// How broker addresses are read as cluster names, and when firehose port-forwards
// (src/cluster/port-forward.ts). Plain tests: no API server, DNS faked.
import { describe, expect, it } from 'vitest';
import { decideTunnel, looksInCluster, parseClusterAddress, resolvesLocally, splitHostPort } from '../../src/cluster/port-forward.js';

describe('parseClusterAddress', () => {
  it.each([
    ['my-cluster-kafka-bootstrap.kafka', { kind: 'service', service: 'my-cluster-kafka-bootstrap', namespace: 'kafka' }],
    ['my-cluster-kafka-bootstrap.kafka.svc', { kind: 'service', service: 'my-cluster-kafka-bootstrap', namespace: 'kafka' }],
    ['my-cluster-kafka-bootstrap.kafka.svc.cluster.local', { kind: 'service', service: 'my-cluster-kafka-bootstrap', namespace: 'kafka' }],
    ['My-Cluster-Kafka-Bootstrap.KAFKA.svc.cluster.local.', { kind: 'service', service: 'my-cluster-kafka-bootstrap', namespace: 'kafka' }],
    ['kafka.lab.svc.corp.internal', { kind: 'service', service: 'kafka', namespace: 'lab' }],
    ['my-cluster-kafka-0.my-cluster-kafka-brokers.kafka.svc', { kind: 'pod', pod: 'my-cluster-kafka-0', service: 'my-cluster-kafka-brokers', namespace: 'kafka' }],
    ['my-cluster-kafka-0.my-cluster-kafka-brokers.kafka.svc.cluster.local', { kind: 'pod', pod: 'my-cluster-kafka-0', service: 'my-cluster-kafka-brokers', namespace: 'kafka' }],
    ['my-cluster-kafka-0.my-cluster-kafka-brokers.kafka', { kind: 'pod', pod: 'my-cluster-kafka-0', service: 'my-cluster-kafka-brokers', namespace: 'kafka' }],
  ])('%s', (host, expected) => {
    expect(parseClusterAddress(host)).toEqual(expected);
  });

  it.each([
    'localhost', '127.0.0.1', '::1', '10.244.0.7', 'my-cluster-kafka-0',
    'a.b.c.d', 'broker.kafka.example.com', 'svc.cluster.local', 'x.svc', 'under_score.kafka', '-bad.kafka', 'x.y.svc.bad_domain',
  ])('%s is not a cluster name', (host) => {
    expect(parseClusterAddress(host)).toBeUndefined();
  });
});

describe('looksInCluster (what may trigger port-forward by itself)', () => {
  it.each([
    ['my-cluster-kafka-bootstrap.kafka', true],
    ['my-cluster-kafka-bootstrap.kafka.svc.cluster.local', true],
    ['my-cluster-kafka-0.my-cluster-kafka-brokers.kafka.svc', true],
    // Three labels without svc read like an outside host name.
    ['kafka.example.com', false],
    ['localhost', false],
    ['127.0.0.1', false],
  ])('%s → %s', (host, expected) => {
    expect(looksInCluster(host)).toBe(expected);
  });
});

const enotfound = async (): Promise<never> => { throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }); };
const eaiAgain = async (): Promise<never> => { throw Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }); };

describe('resolvesLocally', () => {
  it('is false only when DNS says the name does not exist', async () => {
    expect(await resolvesLocally('x.y', enotfound)).toBe(false);
    expect(await resolvesLocally('x.y', eaiAgain)).toBe(false);
    expect(await resolvesLocally('x.y', async () => ({ address: '10.0.0.1' }))).toBe(true);
    expect(await resolvesLocally('x.y', async () => { throw Object.assign(new Error('boom'), { code: 'ECONNREFUSED' }); })).toBe(true);
  });
});

describe('decideTunnel', () => {
  const lookups: string[] = [];
  const recording = async (host: string): Promise<never> => { lookups.push(host); return enotfound(); };

  it('port-forwards for a cluster service name that does not resolve', async () => {
    const d = await decideTunnel(['my-cluster-kafka-bootstrap.kafka:9092'], false, recording);
    expect(d.tunnel).toBe(true);
    expect(d.reason).toContain('my-cluster-kafka-bootstrap.kafka does not resolve here');
  });

  it('connects directly when the name resolves (e.g. inside the cluster, or a VPN with cluster DNS)', async () => {
    expect((await decideTunnel(['my-cluster-kafka-bootstrap.kafka:9092'], false, async () => ({}))).tunnel).toBe(false);
  });

  it('never for localhost, IPs or outside names, and without even asking DNS', async () => {
    lookups.length = 0;
    for (const b of ['localhost:9092', '127.0.0.1:9092', '[::1]:9092', 'kafka.example.com:9093', 'my-cluster-kafka-bootstrap.kafka:9092,localhost:9092']) {
      expect((await decideTunnel(b.split(','), false, recording)).tunnel, b).toBe(false);
    }
    expect(lookups).toEqual([]);
  });

  it('always with --via-cluster', async () => {
    const d = await decideTunnel(['localhost:9092'], true, async () => ({}));
    expect(d).toEqual({ tunnel: true, reason: expect.stringContaining('--via-cluster') });
  });
});

describe('splitHostPort', () => {
  it('handles names, IPv4 and bracketed IPv6', () => {
    expect(splitHostPort('my-cluster-kafka-bootstrap.kafka:9092')).toEqual({ host: 'my-cluster-kafka-bootstrap.kafka', port: 9092 });
    expect(splitHostPort('[::1]:9093')).toEqual({ host: '::1', port: 9093 });
  });
});
