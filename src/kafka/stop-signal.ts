/** Why a consumer stopped; 'end': it reached the end of its partitions (--exit, kcat -e). */
export type StopReason = 'max-messages' | 'idle-timeout' | 'interrupted' | 'crashed' | 'done' | 'end';

/** Waits for the first of: max messages, idle timeout, abort. */
export class StopSignal {
  readonly done: Promise<StopReason>;
  private finish!: (reason: StopReason) => void;
  private idleTimer?: NodeJS.Timeout;
  stopped = false;

  constructor(private readonly idleMs: number | undefined, signal?: AbortSignal) {
    this.done = new Promise((resolve) => { this.finish = resolve; });
    if (signal?.aborted) this.stop('interrupted');
    signal?.addEventListener('abort', () => this.stop('interrupted'), { once: true });
  }

  stop(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.idleTimer);
    this.finish(reason);
  }

  /** (Re)starts the idle countdown. */
  touch(): void {
    if (this.idleMs === undefined || this.stopped) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop('idle-timeout'), this.idleMs);
  }
}
