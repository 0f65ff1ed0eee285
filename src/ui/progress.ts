import type { Output } from './output.js';
import { formatCount } from '../util/count.js';

/** A one-line progress bar with count and rate on stderr; a no-op off a TTY. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, elapsedMs: number, force = false): void {
    if (!this.out.interactive) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(fraction * width);
    const rate = elapsedMs > 0 ? Math.round((done / elapsedMs) * 1000) : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.out.stderr.write(`\r${this.label} ${bar} ${formatCount(done)}/${formatCount(this.total)} ${formatCount(rate)} msg/s\u001b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.out.stderr.write('\r\u001b[K');
    this.drawn = false;
  }
}

/** A one-line running count with rate on stderr, for work without an end; a no-op off a TTY. */
export class ProgressCounter {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly unit = 'msg',
  ) {}

  /** `detail` follows the count and rate on the same line (`edge up`: the counts of the later hops). */
  update(done: number, elapsedMs: number, detail = ''): void {
    if (!this.out.interactive) return;
    const now = performance.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const rate = elapsedMs > 0 ? Math.round((done / elapsedMs) * 1000) : 0;
    this.out.stderr.write(`\r${this.label} ${formatCount(done)} ${this.unit}, ${formatCount(rate)}/s${detail ? ` ${detail}` : ''}\u001b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.out.stderr.write('\r\u001b[K');
    this.drawn = false;
  }
}
