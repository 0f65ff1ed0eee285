// How pods look on a terminal, for `tail logs` and `watch pods`: a stable colour per pod, the
// kubectl-style pod table, and a block of lines redrawn in place.
import type { ChalkInstance } from 'chalk';
import type { Writable } from 'node:stream';
import type { PodSummary } from '../cluster/pods.js';
import { formatTable } from './table.js';

/** chalk colours a pod name can get (readable on dark and light terminals). */
const POD_COLOURS = ['cyan', 'green', 'yellow', 'blue', 'magenta', 'red', 'cyanBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'redBright'] as const;

/** The same pod always gets the same colour (FNV-1a of its name). */
export function podColour(name: string): (typeof POD_COLOURS)[number] {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return POD_COLOURS[h % POD_COLOURS.length]!;
}

export function paintPod(style: ChalkInstance, name: string, namespace?: string): string {
  // With every namespace shown, stern's "namespace pod", both in the pod's colour.
  return style[podColour(name)](namespace === undefined ? name : `${namespace} ${name}`);
}

/**
 * `kubectl get pods` columns, sorted by name, three spaces apart as kubectl does; with
 * `namespaces`, kubectl -A's NAMESPACE column first (sorted by it, then by name).
 */
export function podTable(pods: PodSummary[], now: number, formatAge: (start: string, now: number) => string, options: { namespaces?: boolean } = {}): string[] {
  const rows = [...pods]
    .sort((a, b) => (options.namespaces ? (a.namespace ?? '').localeCompare(b.namespace ?? '') : 0) || a.name.localeCompare(b.name))
    .map((p) => [...(options.namespaces ? [p.namespace ?? ''] : []), p.name, p.ready, p.status, String(p.restarts), formatAge(p.startTime, now)]);
  const headers = [...(options.namespaces ? ['NAMESPACE'] : []), 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  return formatTable(headers, rows, { gap: 3 }).split('\n');
}

/** Lines drawn on a terminal and redrawn in place (the previous drawing is cleared first). */
export class LiveBlock {
  private drawn = 0;

  constructor(private readonly stream: Writable) {}

  draw(lines: string[]): void {
    // Cursor up over the last drawing, then clear to the end of the screen.
    this.stream.write(`${this.drawn ? `\x1b[${this.drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
