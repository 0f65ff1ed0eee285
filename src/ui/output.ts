import type { ChalkInstance } from 'chalk';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * `--output`: text for people; json (one document per line) and yaml (a `---` stream) for
 * programs; name (kubectl's `-o name`: `kind.group/name` per Kubernetes object, one a line)
 * where a command prints Kubernetes objects.
 */
export type OutputFormat = 'text' | 'json' | 'yaml' | 'name';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'yaml', 'name'];

/** What `-o name` needs of an object: its kind, apiVersion and name (flat or in metadata). */
interface Named {
  kind: string;
  apiVersion?: string;
  name?: string;
  metadata?: { name?: string };
}

function isNamed(value: unknown): value is Named {
  const v = value as Named | null;
  return typeof v === 'object' && v !== null && typeof v.kind === 'string' && typeof (v.name ?? v.metadata?.name) === 'string';
}

/** kubectl's `-o name` of one object: `broker.eventing.knative.dev/default`, `service/foo` for the core group. */
export function objectName(object: Named): string {
  const apiVersion = object.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return `${object.kind.toLowerCase()}${group ? `.${group}` : ''}/${object.name ?? object.metadata?.name}`;
}

/** yaml is loaded on first use only (most runs never print YAML; `--help` stays fast). */
let yamlStringify: ((value: unknown) => string) | undefined;
function toYaml(value: unknown): string {
  yamlStringify ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).stringify;
  return yamlStringify(value);
}

/**
 * One data document in a machine-readable format: a JSON line, or a YAML document (the ones
 * after the first start with `---`, so a stream of them parses as YAML's multi-document stream).
 */
export function renderDocument(value: unknown, format: 'json' | 'yaml', first: boolean): string {
  if (format === 'json') return `${JSON.stringify(value)}\n`;
  return `${first ? '' : '---\n'}${toYaml(value)}`;
}

export interface OutputOptions {
  format: OutputFormat;
  color: boolean;
  verbose: boolean;
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean };
}

/**
 * The one place that writes to the terminal, and its rule: data goes to stdout (text, or
 * documents in `--output json`/`yaml`: one shape per command, one document per item for
 * streams); status, progress, summaries, warnings and diagnostics go to stderr, so a pipe
 * of stdout sees data only.
 */
export class Output {
  readonly format: OutputFormat;
  readonly color: boolean;
  readonly verbose: boolean;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  private chalk?: ChalkInstance;

  constructor(options: OutputOptions) {
    this.format = options.format;
    this.color = options.color;
    this.verbose = options.verbose;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
  }

  /**
   * chalk with colour on or off per --no-color / NO_COLOR / TTY. Loaded on first use (a
   * run without colour never loads it: start-up stays short).
   */
  get style(): ChalkInstance {
    if (!this.chalk) {
      const { Chalk } = createRequire(import.meta.url)('chalk') as typeof import('chalk');
      this.chalk = new Chalk({ level: this.color ? 1 : 0 });
    }
    return this.chalk;
  }

  /** json or yaml: stdout carries documents only, and stderr no decoration for people. */
  get structured(): boolean {
    return this.format !== 'text';
  }

  private documents = 0;

  /** Spinners and bars only where a person watches, and never with --output json/yaml. */
  get interactive(): boolean {
    return Boolean(this.stderr.isTTY) && !this.structured;
  }

  /** A line of data on stdout (text mode). */
  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Writes a chunk (text, or bytes as they are) to stdout, resolving when the pipe can take more. */
  write(text: string | Uint8Array): Promise<void> | void {
    if (!this.stdout.write(text)) return new Promise((resolve) => this.stdout.once('drain', resolve));
  }

  /** The text of one data document in this run's format (JSON when the format is text). */
  document(value: unknown): string {
    if (this.format === 'name') throw new UsageError('--output name prints Kubernetes objects (kind.group/name), and this command prints none.', 'Use --output json or yaml here.');
    return renderDocument(value, this.format === 'yaml' ? 'yaml' : 'json', this.documents++ === 0);
  }

  /**
   * One data document on stdout: a JSON line, or a YAML document of the stream. With
   * `-o name`, the names of `objects` (default: the value itself, an object or a list of
   * them); a command whose data holds no Kubernetes objects refuses `-o name` (USAGE).
   */
  data(value: unknown, objects?: unknown[]): void {
    if (this.format !== 'name') {
      this.stdout.write(this.document(value));
      return;
    }
    const list = objects ?? (Array.isArray(value) ? value : [value]);
    const named = list.filter(isNamed);
    if (named.length !== list.length || (objects === undefined && list.length === 0)) {
      throw new UsageError('--output name prints Kubernetes objects (kind.group/name), and this command prints none.', 'Use --output json or yaml here.');
    }
    for (const object of named) this.stdout.write(`${objectName(object)}\n`);
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
    return this.color ? this.style[style](text) : text;
  }

  /** The Logger that core modules get. */
  logger(): Logger {
    return { debug: (m) => this.debug(m), info: (m) => this.info(m), warn: (m) => this.warn(m) };
  }
}
