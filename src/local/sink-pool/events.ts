/** What the sink pool reports as it runs, and how it words a duration in those reports. */
import type { EventSummary } from '../../events/cloudevent.js';

export interface WorkerInfo {
  /** Like a pod: eventinghello-00001-deployment-x7k2p. */
  name: string;
  status: 'Pending' | 'Running';
  ready: boolean;
  /** ISO time the worker was created. */
  startTime: string;
  /** ISO time it became ready, once it has. */
  readyTime: string | null;
  busy: boolean;
  eventsHandled: number;
}

export type SinkPoolEvent =
  | { kind: 'scaled'; from: number; to: number; reason: string }
  | { kind: 'worker'; worker: string; status: 'starting' | 'running' | 'terminated'; info: WorkerInfo }
  | { kind: 'event'; worker: string; event: EventSummary }
  | { kind: 'log'; worker: string; line: string }
  | { kind: 'rejected'; status: number; reason: string; remote: string; worker: string | null };

/** Reports one event; never throws (a failing observer must not break the pool). */
export type Emit = (event: SinkPoolEvent) => void;

/** How an answer to a request is written back. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** 1500 → "1.5s", as Knative's logs print durations. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
