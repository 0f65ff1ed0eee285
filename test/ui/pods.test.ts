// How pods look on a terminal (src/ui/pods.ts): colours, the pod table, the block redrawn in place.
import { Chalk } from 'chalk';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReadyCounter } from '../../src/cli/commands/watch.js';
import { formatAge, type PodSummary } from '../../src/cluster/pods.js';
import { LiveBlock, paintPod, podColour, podTable } from '../../src/ui/pods.js';

describe('pod colours', () => {
  it('gives each pod a stable colour, and none with colour off', () => {
    expect(podColour('eventinghello-abc')).toBe(podColour('eventinghello-abc'));
    const names = Array.from({ length: 20 }, (_, i) => `eventinghello-${i}`);
    expect(new Set(names.map(podColour)).size).toBeGreaterThan(3);
    expect(paintPod(new Chalk({ level: 1 }), 'p-1')).toMatch(/^\x1b\[\d+mp-1\x1b\[\d+m$/);
    expect(paintPod(new Chalk({ level: 0 }), 'p-1')).toBe('p-1');
    expect(paintPod(new Chalk({ level: 0 }), 'p-1', 'team-a')).toBe('team-a p-1');
  });
});

describe('the watch pods table', () => {
  it('lines up NAME READY STATUS RESTARTS AGE and counts ready pods and their maximum', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    const pod = (name: string, ready: boolean, status = 'Running'): PodSummary => ({
      name, ready: ready ? '2/2' : '0/2', status, restarts: 0, startTime: '2026-11-24T11:57:00Z', containers: ['user-container', 'queue-proxy'], running: status === 'Running', allReady: ready,
    });
    expect(podTable([pod('eventinghello-b', false, 'Pending'), pod('eventinghello-a', true)], now, formatAge)).toEqual([
      'NAME              READY   STATUS    RESTARTS   AGE',
      'eventinghello-a   2/2     Running   0          3m',
      'eventinghello-b   0/2     Pending   0          3m',
    ]);
    expect(podTable([], now, formatAge)).toEqual(['NAME   READY   STATUS   RESTARTS   AGE']);
    // -A: kubectl's NAMESPACE column first, sorted by namespace, then name.
    expect(podTable([{ ...pod('p', true), namespace: 'team-b' }, { ...pod('q', false, 'Pending'), namespace: 'team-a' }], now, formatAge, { namespaces: true })).toEqual([
      'NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE',
      'team-a      q      0/2     Pending   0          3m',
      'team-b      p      2/2     Running   0          3m',
    ]);
    const counter = new ReadyCounter();
    counter.apply({ type: 'added', pod: pod('a', true) });
    counter.apply({ type: 'added', pod: pod('b', true) });
    counter.apply({ type: 'modified', pod: pod('b', false, 'Terminating') });
    expect(counter.summary()).toBe('ready 1 (max 2)');
    counter.apply({ type: 'deleted', pod: pod('a', true) });
    expect(counter.summary()).toBe('ready 0 (max 2)');
    // Two pods of one name in two namespaces (watch pods -A) are two pods.
    counter.apply({ type: 'added', pod: { ...pod('a', true), namespace: 'x' } });
    counter.apply({ type: 'added', pod: { ...pod('a', true), namespace: 'y' } });
    expect(counter.summary()).toBe('ready 2 (max 2)');
  });
});

describe('a block redrawn in place', () => {
  it('moves the cursor up over the previous drawing and clears it before drawing again', () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (c: Buffer) => { written += c.toString(); });
    const block = new LiveBlock(stream);
    block.draw(['a', 'b', 'c']);
    expect(written).toBe('a\nb\nc\n');
    written = '';
    block.draw(['x']);
    expect(written).toBe('\x1b[3A\x1b[Jx\n');
    written = '';
    block.draw(['y', 'z']);
    expect(written).toBe('\x1b[1A\x1b[Jy\nz\n');
  });
});
