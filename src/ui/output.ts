import { Chalk, type ChalkInstance } from 'chalk';
import type { Writable } from 'node:stream';
import type { Logger } from '../logger.js';

export type OutputFormat = 'text' | 'json';

export interface OutputOptions {
  format: OutputFormat;
  color: boolean;
  verbose: boolean;
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean };
}

/**
 * The one place that writes to the terminal. Data goes to stdout (text, or JSON in
 * `--output json`); progress, warnings and diagnostics go to stderr.
 */
export class Output {
  readonly format: OutputFormat;
  readonly color: boolean;
  readonly verbose: boolean;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  /** chalk with colour on or off per --no-color / NO_COLOR / TTY. */
  readonly style: ChalkInstance;

  constructor(options: OutputOptions) {
    this.format = options.format;
    this.color = options.color;
    this.verbose = options.verbose;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.style = new Chalk({ level: options.color ? 1 : 0 });
  }

  get json(): boolean {
    return this.format === 'json';
  }

  /** Spinners and bars only where a person watches, and never in JSON mode. */
  get interactive(): boolean {
    return Boolean(this.stderr.isTTY) && !this.json;
  }

  /** A line of data on stdout (text mode). */
  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Writes a chunk to stdout, resolving when the pipe can take more. */
  write(text: string): Promise<void> | void {
    if (!this.stdout.write(text)) return new Promise((resolve) => this.stdout.once('drain', resolve));
  }

  /** One JSON document (or one JSON line for streams) on stdout. */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Text for a person: shown in text mode, dropped in JSON mode (stdout stays pure data). */
  result(text: string): void {
    if (!this.json) this.line(text);
  }

  /** Status lines on stderr, which pipes of data never see. */
  info(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.paint('yellow', 'warning:')} ${text}\n`);
  }

  debug(text: string): void {
    if (this.verbose) this.stderr.write(`${this.paint('gray', text)}\n`);
  }

  paint(style: 'red' | 'yellow' | 'green' | 'gray' | 'bold' | 'cyan', text: string): string {
    return this.style[style](text);
  }

  /** The Logger that core modules get. */
  logger(): Logger {
    return { debug: (m) => this.debug(m), info: (m) => this.info(m), warn: (m) => this.warn(m) };
  }
}
