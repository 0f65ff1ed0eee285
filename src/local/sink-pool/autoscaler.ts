/**
 * The autoscaler's decisions for a Knative Service with containerConcurrency 1 and target 1:
 * how many workers there should be, given the requests waiting and in flight, the workers
 * there are and minScale..maxScale. Pure: the pool asks, then starts or stops workers.
 */
import { seconds } from './events.js';

export interface ScaleBounds {
  /** 0 scales to zero when idle. */
  minScale: number;
  maxScale: number;
}

/** A change in the number of workers, with the reason reported in `scaled` events. */
export interface ScaleDecision {
  from: number;
  to: number;
  reason: string;
}

/** At start: minScale workers, or none. */
export function initialScale(bounds: ScaleBounds): ScaleDecision | null {
  return bounds.minScale > 0 ? { from: 0, to: bounds.minScale, reason: `minScale ${bounds.minScale}` } : null;
}

export interface Demand {
  /** Requests waiting for a worker. */
  queued: number;
  /** Requests a worker is handling. */
  inFlight: number;
  /** Workers there are, ready or not. */
  workers: number;
}

/**
 * Scale up when waiting + in-flight requests exceed the workers there are (target 1 each),
 * never past maxScale. Never scales down: idle workers leave one by one (`scaleDownIdle`).
 */
export function scaleForDemand(bounds: ScaleBounds, demand: Demand): ScaleDecision | null {
  const wanted = demand.queued + demand.inFlight;
  const current = demand.workers;
  const desired = Math.min(bounds.maxScale, Math.max(bounds.minScale, wanted));
  if (desired <= current) return null;
  const reason = current === 0
    ? `cold start: ${wanted} request${wanted === 1 ? '' : 's'} waiting and no workers`
    : `${wanted} requests waiting or in flight for ${current} worker${current === 1 ? '' : 's'} (target 1 each${desired === bounds.maxScale ? `, maxScale ${bounds.maxScale}` : ''})`;
  return { from: current, to: desired, reason };
}

export interface IdleWorker {
  name: string;
  busy: boolean;
  /** How long it has been idle (the pool asks when the idle timer fires). */
  idleMs: number;
  /** Requests waiting for a worker. */
  queued: number;
  /** Workers there are, this one included. */
  workers: number;
}

/** A worker idle this long goes, unless it is busy, requests wait, or it would leave fewer than minScale. */
export function scaleDownIdle(bounds: ScaleBounds, idle: IdleWorker): ScaleDecision | null {
  if (idle.busy || idle.queued > 0 || idle.workers <= bounds.minScale) return null;
  const to = idle.workers - 1;
  return { from: idle.workers, to, reason: `${idle.name} idle for ${seconds(idle.idleMs)}${to === 0 ? ' (scale to zero)' : ''}` };
}

/** On close: every worker goes. */
export function scaleForShutdown(workers: number): ScaleDecision | null {
  return workers > 0 ? { from: workers, to: 0, reason: 'shutting down' } : null;
}
