import { existsSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { EnvSource } from '../config/env.js';
import { userNumberFromLogin } from '../config/user.js';
import { FirehoseError, UsageError } from '../errors.js';
import { translateNetworkError, translateStatusError, type ApiErrorContext } from './errors.js';

export interface ConnectClusterOptions {
  /** kubeconfig file. Default: the first existing KUBECONFIG entry, else ~/.kube/config (as kubectl). */
  kubeconfig?: string;
  /** kubeconfig context. Default: its current-context. */
  context?: string;
  /** Namespace. Default: the context's namespace, else "default". */
  namespace?: string;
  env: EnvSource;
  /** Per-request timeout (no answer for this long → CLUSTER_UNREACHABLE). Default 15 s. */
  requestTimeoutMs?: number;
}

export interface ClusterRequestOptions {
  /** JSON-serialisable body (sent as JSON; also valid YAML for apply patches). */
  body?: unknown;
  /** Default application/json when there is a body. */
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ClusterResponse {
  status: number;
  text: string;
  json<T = unknown>(): T;
}

/** For the error message when the request fails: what it was doing, and which kind. */
export interface ClusterCallContext {
  what: string;
  kind?: string;
  group?: string;
}

/** A connection to one API server as one kubeconfig user. */
export interface ClusterClient {
  kubeConfig: KubeConfig;
  /** The kubeconfig file read (the first one when KUBECONFIG lists several, which are merged as kubectl does). */
  kubeconfigPath: string;
  /** The context in use. */
  context: string;
  /** The context's user name (e.g. "user7/api-cluster:6443"). */
  user?: string;
  /** flag > context's namespace > "default". */
  namespace: string;
  /** API server URL. */
  server: string;
  /** Any answer (network failures throw CLUSTER_UNREACHABLE). */
  request(method: string, path: string, options?: ClusterRequestOptions & Partial<ClusterCallContext>): Promise<ClusterResponse>;
  /** A 2xx answer's JSON; any other answer throws the translated FirehoseError. */
  json<T = unknown>(method: string, path: string, options: ClusterRequestOptions & ClusterCallContext): Promise<T>;
  /** The translated error for a non-2xx answer. */
  fail(response: ClusterResponse, context: ClusterCallContext): FirehoseError;
}

export function defaultKubeconfigPaths(env: EnvSource): string[] {
  const fromEnv = env.KUBECONFIG?.split(delimiter).filter(Boolean) ?? [];
  return fromEnv.length ? fromEnv : [join(env.HOME || homedir(), '.kube', 'config')];
}

/** Reads the kubeconfig (lazily loading @kubernetes/client-node) and picks context and namespace. */
export async function connectCluster(options: ConnectClusterOptions): Promise<ClusterClient> {
  const candidates = options.kubeconfig ? [options.kubeconfig] : defaultKubeconfigPaths(options.env);
  const paths = candidates.filter((p) => existsSync(p));
  const path = paths[0];
  if (!path) {
    throw new FirehoseError('KUBECONFIG_MISSING', `No kubeconfig at ${candidates.join(delimiter)}: log in with \`oc login\` or set KUBECONFIG.`, {
      hint: 'Run `oc login --token=... --server=...` (copy the command from the web console), or point KUBECONFIG at your kubeconfig file.',
    });
  }
  const k8s = await import('@kubernetes/client-node');
  const load = (file: string): KubeConfig => {
    const config = new k8s.KubeConfig();
    try {
      config.loadFromFile(file);
    } catch (error) {
      throw new FirehoseError('KUBECONFIG_INVALID', `Cannot read the kubeconfig ${file}: ${(error as Error).message}`, {
        hint: 'Log in again with `oc login`, or fix the file.',
        cause: error,
      });
    }
    return config;
  };
  let kc = load(path);
  if (paths.length > 1) {
    // Like kubectl: every KUBECONFIG file is merged, the first one to define a name wins
    // (also for current-context).
    const all = paths.map(load);
    const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
      const seen = new Map<string, T>();
      for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
      return [...seen.values()];
    };
    kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: firstByName(all.map((c) => c.getClusters())),
      users: firstByName(all.map((c) => c.getUsers())),
      contexts: firstByName(all.map((c) => c.getContexts())),
      currentContext: all.map((c) => c.getCurrentContext()).find(Boolean) ?? '',
    });
  }
  const names = kc.getContexts().map((c) => c.name);
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new UsageError(
        `No context "${options.context}" in ${path}${names.length ? `; it has: ${names.join(', ')}` : ' (it has no contexts)'}.`,
        'Pick one with --context NAME (`oc config get-contexts` lists them).',
      );
    }
    kc.setCurrentContext(options.context);
  }
  const contextName = kc.getCurrentContext();
  const context = contextName ? kc.getContextObject(contextName) : null;
  if (!context) {
    throw new FirehoseError('KUBECONFIG_NO_CONTEXT', `The kubeconfig ${path} has no current context${names.length ? ` (contexts: ${names.join(', ')})` : ''}.`, {
      hint: 'Log in with `oc login`, or pass --context NAME.',
    });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new FirehoseError('KUBECONFIG_INVALID', `Context "${contextName}" in ${path} names no cluster with a server address.`, {
      hint: 'Log in again with `oc login`.',
    });
  }
  const server = cluster.server.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? 15_000;

  const client: ClusterClient = {
    kubeConfig: kc,
    kubeconfigPath: path,
    context: contextName,
    user: context.user || undefined,
    namespace: options.namespace || context.namespace || 'default',
    server,
    request: (method, requestPath, opts = {}) => sendWithRetry(kc, server, method, requestPath, opts, timeoutMs),
    fail: (response, ctx) => translateStatusError(response.status, response.text, { ...ctx, server }),
    async json<T>(method: string, requestPath: string, opts: ClusterRequestOptions & ClusterCallContext): Promise<T> {
      const res = await client.request(method, requestPath, opts);
      if (res.status < 200 || res.status > 299) throw client.fail(res, opts);
      return res.json<T>();
    },
  };
  return client;
}

/** N of a lab user name (one rule for firehose: config/user.ts). */
export const userNumberFromName = userNumberFromLogin;

export function userNumberFromContext(client: Pick<ClusterClient, 'user'>): number | undefined {
  return userNumberFromName(client.user);
}

function buildQuery(query: ClusterRequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

const MAX_THROTTLE_RETRIES = 5;

/**
 * The API server answers 429 while it throttles or while a new CRD's storage initialises;
 * like kubectl, wait (Retry-After, capped) and try again a few times.
 */
async function sendWithRetry(
  kc: KubeConfig, server: string, method: string, path: string,
  options: ClusterRequestOptions & Partial<ClusterCallContext>, defaultTimeoutMs: number,
): Promise<ClusterResponse> {
  for (let attempt = 0; ; attempt++) {
    const response = await send(kc, server, method, path, options, defaultTimeoutMs);
    if (response.status !== 429 || attempt >= MAX_THROTTLE_RETRIES || options.signal?.aborted) return response;
    const retryAfter = Number(/"retryAfterSeconds":\s*(\d+)/.exec(response.text)?.[1] ?? 1);
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 2) * 1000 * (attempt === 0 ? 0.25 : 1)));
  }
}

async function send(
  kc: KubeConfig, server: string, method: string, path: string,
  options: ClusterRequestOptions & Partial<ClusterCallContext>, defaultTimeoutMs: number,
): Promise<ClusterResponse> {
  const ctx: ApiErrorContext = { what: options.what ?? `${method} ${path}`, server, kind: options.kind, group: options.group };
  const url = new URL(`${server}${path}${buildQuery(options.query)}`);
  const body = options.body === undefined ? undefined
    : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  const opts: RequestOptions = { method, headers, timeout: options.timeoutMs ?? defaultTimeoutMs };
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (error) {
    throw new FirehoseError('CLUSTER_AUTH', `Cannot get credentials for the API server ${server}: ${(error as Error).message}`, {
      hint: 'Log in again with `oc login`.',
      cause: error,
    });
  }
  const { request } = url.protocol === 'http:' ? await import('node:http') : await import('node:https');
  return new Promise<ClusterResponse>((resolve, reject) => {
    const req = request(url, { ...opts, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (error) => reject(translateNetworkError(error, ctx)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('timeout', () => {
      req.destroy(Object.assign(new Error(`no answer within ${Math.round((opts.timeout ?? 0) / 100) / 10} s`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (error) => {
      if (options.signal?.aborted) {
        reject(new FirehoseError('INTERRUPTED', `Interrupted (${ctx.what}).`, { exitCode: 130, cause: error }));
      } else {
        reject(translateNetworkError(error, ctx));
      }
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}
