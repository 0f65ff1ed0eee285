import { describe, expect, it } from 'vitest';
import { initialScale, scaleDownIdle, scaleForDemand, scaleForShutdown } from '../../../src/local/sink-pool/autoscaler.js';

const lab = { minScale: 0, maxScale: 10 };

describe('sink pool autoscaler (containerConcurrency 1, target 1)', () => {
  it('starts with minScale workers, or none', () => {
    expect(initialScale(lab)).toBeNull();
    expect(initialScale({ minScale: 2, maxScale: 10 })).toEqual({ from: 0, to: 2, reason: 'minScale 2' });
  });

  // demand = queued + in flight; desired = clamp(demand, minScale, maxScale); only up.
  it.each([
    { name: 'cold start for one request', queued: 1, inFlight: 0, workers: 0, to: 1, reason: 'cold start: 1 request waiting and no workers' },
    { name: 'cold start for a burst', queued: 3, inFlight: 0, workers: 0, to: 3, reason: 'cold start: 3 requests waiting and no workers' },
    { name: 'one worker per request', queued: 2, inFlight: 1, workers: 1, to: 3, reason: '3 requests waiting or in flight for 1 worker (target 1 each)' },
    { name: 'never past maxScale', queued: 30, inFlight: 4, workers: 4, to: 10, reason: '34 requests waiting or in flight for 4 workers (target 1 each, maxScale 10)' },
  ])('scales up: $name', ({ queued, inFlight, workers, to, reason }) => {
    expect(scaleForDemand(lab, { queued, inFlight, workers })).toEqual({ from: workers, to, reason });
  });

  it.each([
    { name: 'enough workers', queued: 1, inFlight: 1, workers: 2 },
    { name: 'more workers than requests (idle ones leave on their own)', queued: 0, inFlight: 1, workers: 5 },
    { name: 'already at maxScale', queued: 50, inFlight: 10, workers: 10 },
    { name: 'no demand at zero', queued: 0, inFlight: 0, workers: 0 },
  ])('does not scale: $name', ({ queued, inFlight, workers }) => {
    expect(scaleForDemand(lab, { queued, inFlight, workers })).toBeNull();
  });

  it('keeps minScale even without demand', () => {
    expect(scaleForDemand({ minScale: 2, maxScale: 10 }, { queued: 0, inFlight: 0, workers: 1 })).toMatchObject({ from: 1, to: 2 });
    expect(scaleForDemand({ minScale: 2, maxScale: 10 }, { queued: 0, inFlight: 0, workers: 2 })).toBeNull();
  });

  it('removes an idle worker, saying so when it is the last (scale to zero)', () => {
    const idle = { name: 'w-1', busy: false, idleMs: 90_000, queued: 0 };
    expect(scaleDownIdle(lab, { ...idle, workers: 3 })).toEqual({ from: 3, to: 2, reason: 'w-1 idle for 90s' });
    expect(scaleDownIdle(lab, { ...idle, idleMs: 300, workers: 1 })).toEqual({ from: 1, to: 0, reason: 'w-1 idle for 0.3s (scale to zero)' });
  });

  it('keeps an idle worker that is busy, has requests waiting for it, or is needed for minScale', () => {
    const idle = { name: 'w-1', busy: false, idleMs: 1000, queued: 0, workers: 2 };
    expect(scaleDownIdle(lab, { ...idle, busy: true })).toBeNull();
    expect(scaleDownIdle(lab, { ...idle, queued: 1 })).toBeNull();
    expect(scaleDownIdle({ minScale: 2, maxScale: 10 }, idle)).toBeNull();
    expect(scaleDownIdle({ minScale: 1, maxScale: 10 }, idle)).toMatchObject({ from: 2, to: 1 });
  });

  it('takes every worker down on shutdown', () => {
    expect(scaleForShutdown(3)).toEqual({ from: 3, to: 0, reason: 'shutting down' });
    expect(scaleForShutdown(0)).toBeNull();
  });
});
