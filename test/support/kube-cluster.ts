// A real Kubernetes API server for tests, without Docker: etcd + kube-apiserver
// + kwok (fake nodes and pods, pod logs, port-forward), all built from the Go
// module proxy by test/support/kube/build.sh and run on loopback ports.
//
// What it is: the real API server (discovery, CRDs, validation, RBAC, watch,
// server-side apply). What it is not: no kube-controller-manager and no
// scheduler, so nothing reconciles. Custom resources are stored, not acted on;
// pods must name their node (spec.nodeName); deleted namespaces stay
// Terminating; owner references do not cascade; no ServiceAccount is created
// per namespace (the ServiceAccount admission plugin is off, so pods need none).
//
// Users (kubeconfig contexts): `admin` (token, group system:masters),
// `admin-cert` (the same user by client certificate) and `user7` (token, no
// RBAC rights beyond discovery: a forbidden user).
//
// kwok manages every Node annotated `kwok.x-k8s.io/node: fake` (see fakeNode())
// and marks its pods Running. Its Logs/ClusterLogs, PortForward/
// ClusterPortForward, Exec/ClusterExec and Attach/ClusterAttach resources
// (kwok.x-k8s.io/v1alpha1) are served as CRDs, so tests create them through
// the API: a Logs object pointing at a file in CRI format (see writeCriLog())
// makes `GET .../pods/NAME/log` (and `?follow=true`) return that file.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { cacheRoot, freePorts, logTail, stopProcess } from './kafka.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

const KUBE_DIR = fileURLToPath(new URL('./kube/', import.meta.url));
/** Upstream CRDs copied into the repo (see test/fixtures/crds/README.md). */
export const CRD_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/crds/', import.meta.url));

/** The Kubernetes version, as pinned in test/support/kube/apiserver/go.mod (e.g. "1.37.2"). */
export const KUBE_VERSION = (() => {
  const mod = readFileSync(join(KUBE_DIR, 'apiserver', 'go.mod'), 'utf8');
  const m = /^\s*(?:require\s+)?k8s\.io\/kubernetes v(\S+)/m.exec(mod);
  if (!m?.[1]) throw new Error('test/support/kube/apiserver/go.mod does not require k8s.io/kubernetes');
  return m[1];
})();

const START_TIMEOUT_MS = Number(process.env.FIREHOSE_KUBE_START_TIMEOUT_MS ?? 120_000);
const BUILD_TIMEOUT_MS = Number(process.env.FIREHOSE_KUBE_BUILD_TIMEOUT_MS ?? 60 * 60_000);
/** Nodes carrying this annotation (key=value) are simulated by kwok. */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;
/** kwok resources served as CRDs (created through the API by tests). */
const KWOK_CRDS = ['Logs', 'ClusterLogs', 'PortForward', 'ClusterPortForward', 'Exec', 'ClusterExec', 'Attach', 'ClusterAttach'];
const KWOK_CRD_FILES: Record<string, string> = {
  Logs: 'logs', ClusterLogs: 'clusterlogs', PortForward: 'portforwards', ClusterPortForward: 'clusterportforwards',
  Exec: 'execs', ClusterExec: 'clusterexecs', Attach: 'attaches', ClusterAttach: 'clusterattaches',
};

export interface KubeClusterInfo {
  /** Kubernetes version of the API server ("1.37.2"). */
  version: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** kubeconfig file: contexts admin (current), admin-cert and user7; cluster "firehose-test"; namespace default. */
  kubeconfig: string;
  /** PEM CA that signed the API server's (and kwok's) serving certificate and the admin client certificate. */
  caFile: string;
  /** Bearer token of "admin" (group system:masters: everything allowed). */
  adminToken: string;
  /** Client certificate + key of "admin" (O=system:masters), as an alternative to the token. */
  adminCertFile: string;
  adminKeyFile: string;
  /** Bearer token of "user7", who has no RBAC rights (403 on everything but discovery). */
  user7Token: string;
  /** Working dir (certs, etcd data, logs); removed by stop(). */
  dir: string;
  logFiles: { etcd: string; apiserver: string; kwok: string };
  pids: { etcd: number; apiserver: number; kwok: number };
}

export interface KubeClusterHandle extends KubeClusterInfo {
  /** Stops kwok, kube-apiserver and etcd (in that order) and removes `dir` (unless options.dir was given and keepDir set). */
  stop(): Promise<void>;
}

export interface KubeStartOptions {
  /** Working directory (created if missing, removed by stop()). Default: a new temp dir. */
  dir?: string;
  /** Let the processes outlive this one (kube-cli.ts). Default false: they die with us. */
  detached?: boolean;
  /** Start kwok (fake nodes/pods, logs). Default true. */
  kwok?: boolean;
}

/** Builds (once, cached) kube-apiserver, etcd and kwok; returns their bin dir. */
export async function ensureKubeBinaries(): Promise<string> {
  const bin = join(cacheRoot(), `kube-${KUBE_VERSION}`, 'bin');
  // build.sh checks each binary against its wrapper module's fingerprint and
  // returns at once when all are current; it needs `go` only to build.
  try {
    const { stdout } = await run('bash', [join(KUBE_DIR, 'build.sh')], {
      env: { ...process.env, FIREHOSE_TEST_CACHE: cacheRoot() },
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    const printed = stdout.trim().split('\n').pop();
    if (printed !== bin) throw new Error(`build.sh printed ${printed ?? '(nothing)'}, expected ${bin}`);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`Building kube-apiserver/etcd/kwok with test/support/kube/build.sh failed:\n${(e.stderr ?? e.message).slice(-8000)}`);
  }
  return bin;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

interface Pki { ca: string; serverCert: string; serverKey: string; adminCert: string; adminKey: string; saKey: string; saPub: string }

/** A throwaway CA, the API server's serving cert, the admin client cert and the service-account key pair. EC P-256: instant. */
async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '7',
    '-subj', '/CN=firehose-test-kube-ca', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = async (name: string, subj: string, ext: string): Promise<void> => {
    await writeFile(join(dir, `${name}.ext`), `${ext}\n`);
    await openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
    await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '7', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
  };
  const san = 'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,'
    + 'DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1';
  await Promise.all([
    // Also kwok's serving cert (the API server does not verify it, but a client may).
    leaf('server', '/CN=kube-apiserver', `${san}\nextendedKeyUsage=serverAuth`),
    leaf('admin', '/O=system:masters/CN=admin', 'extendedKeyUsage=clientAuth'),
    openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key'])
      .then(() => openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'])),
  ]);
  const f = (n: string) => join(dir, n);
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), adminCert: f('admin.pem'),
    adminKey: f('admin.key'), saKey: f('sa.key'), saPub: f('sa.pub') };
}

interface KubeconfigUser { name: string; token?: string; certFile?: string; keyFile?: string }

async function writeKubeconfig(file: string, server: string, caFile: string, users: KubeconfigUser[], current: string): Promise<void> {
  const b64 = async (p: string) => (await readFile(p)).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'firehose-test', cluster: { server, 'certificate-authority-data': await b64(caFile) } }],
    users: await Promise.all(users.map(async (u) => ({
      name: u.name,
      user: u.token
        ? { token: u.token }
        : { 'client-certificate-data': await b64(u.certFile!), 'client-key-data': await b64(u.keyFile!) },
    }))),
    contexts: users.map((u) => ({ name: u.name, context: { cluster: 'firehose-test', user: u.name, namespace: 'default' } })),
    'current-context': current,
    preferences: {},
  };
  await writeFile(file, stringifyYaml(config), { mode: 0o600 });
}

/** Spawns a server process with stdout+stderr appended to logFile; it dies with us unless detached. */
function spawnServer(binary: string, args: string[], logFile: string, detached: boolean): { proc: ChildProcess; exited: () => boolean; reason: () => string } {
  const out = openSync(logFile, 'a');
  const usePdeathsig = !detached && existsSync('/usr/bin/setpriv');
  const proc = usePdeathsig
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', binary, ...args], { stdio: ['ignore', out, out] })
    : spawn(binary, args, { stdio: ['ignore', out, out], detached });
  closeSync(out);
  let spawnError: Error | undefined;
  proc.once('error', (e) => { spawnError = e; });
  if (detached) proc.unref();
  return {
    proc,
    exited: () => proc.exitCode !== null || proc.signalCode !== null || spawnError !== undefined,
    reason: () => spawnError?.message ?? `code ${proc.exitCode}, signal ${proc.signalCode}`,
  };
}

/** Target of a raw API request: the server, its CA, and a token or client cert. */
export interface KubeTarget {
  server: string;
  /** PEM CA for https servers. */
  ca?: string | Buffer;
  token?: string;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface KubeResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = any>(): T;
}

export interface KubeRequestOptions {
  body?: unknown;
  /** Default application/json (merge-patch / apply-patch+yaml for PATCH: pass it). */
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Opens a request to the API server and resolves with the response stream (for watch / follow). */
export function kubeStream(target: KubeTarget, method: string, path: string, options: KubeRequestOptions = {}): Promise<IncomingMessage> {
  const url = new URL(path, target.server);
  const body = options.body === undefined ? undefined
    : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: 'application/json, */*' };
  if (target.token) headers.Authorization = `Bearer ${target.token}`;
  if (body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requester(url, {
      method, headers, ca: target.ca, cert: target.cert, key: target.key,
      signal: options.signal, timeout: options.timeoutMs ?? 30_000,
    }, resolve);
    req.once('timeout', () => req.destroy(new Error(`${method} ${path}: no response within ${options.timeoutMs ?? 30_000} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** One API request, body read in full. Never throws on HTTP status: check `status`. */
export async function kubeRequest(target: KubeTarget, method: string, path: string, options: KubeRequestOptions = {}): Promise<KubeResponse> {
  const res = await kubeStream(target, method, path, options);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    text,
    json: () => JSON.parse(text),
  };
}

/** Like kubeRequest, but throws unless the status is 2xx; returns the parsed JSON body. */
export async function kubeJson<T = any>(target: KubeTarget, method: string, path: string, options: KubeRequestOptions = {}): Promise<T> {
  const res = await kubeRequest(target, method, path, options);
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} -> ${res.status}: ${res.text.slice(0, 2000)}`);
  return res.text ? res.json<T>() : (undefined as T);
}

/** Reads a kubeconfig written by startKubeCluster (or any with token or client-cert data) into a request target. */
export async function kubeTarget(kubeconfig: string, context?: string): Promise<KubeTarget> {
  const cfg = parseYaml(await readFile(kubeconfig, 'utf8')) as {
    'current-context'?: string;
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[];
    users?: { name: string; user: Record<string, string | undefined> }[];
  };
  const ctxName = context ?? cfg['current-context'];
  const ctx = cfg.contexts?.find((c) => c.name === ctxName)?.context;
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = cfg.users?.find((u) => u.name === ctx?.user)?.user ?? {};
  if (!ctx || !cluster) throw new Error(`kubeconfig ${kubeconfig}: no context/cluster "${ctxName}"`);
  const data = (inline?: string, file?: string): Buffer | undefined =>
    inline ? Buffer.from(inline, 'base64') : file ? readFileSync(file) : undefined;
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (!ca) throw new Error(`kubeconfig ${kubeconfig}: cluster ${ctx.cluster} has no certificate authority`);
  return {
    server: cluster.server,
    ca,
    token: user.token,
    cert: data(user['client-certificate-data'], user['client-certificate']),
    key: data(user['client-key-data'], user['client-key']),
  };
}

/** Request targets for the two users of a started cluster. */
export function clusterTargets(info: KubeClusterInfo): { admin: KubeTarget; user7: KubeTarget } {
  const ca = readFileSync(info.caFile);
  return {
    admin: { server: info.server, ca, token: info.adminToken },
    user7: { server: info.server, ca, token: info.user7Token },
  };
}

export interface InstallCrdsOptions {
  /** kubeconfig context. Default: its current context. */
  context?: string;
  /**
   * Replace `spec.conversion.strategy: Webhook` by `None`. Default true: the
   * conversion webhooks (Knative's) run in pods that this cluster does not
   * have, and with them in place any read at a non-storage version fails.
   */
  dropConversionWebhooks?: boolean;
  /** How long to wait for each CRD to be Established. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Applies the CustomResourceDefinitions in `files` (YAML, one or more
 * documents each; relative names are read from test/fixtures/crds/) with
 * server-side apply, then waits until every one is Established. Returns the
 * CRD names. apiextensions.k8s.io/v1beta1 files (Strimzi 0.20) are refused:
 * Kubernetes stopped serving that API in 1.22.
 */
export async function installCrds(kubeconfig: string, files: string[], options: InstallCrdsOptions = {}): Promise<string[]> {
  const target = await kubeTarget(kubeconfig, options.context);
  const names: string[] = [];
  const served: { group: string; version: string; plural: string }[] = [];
  for (const file of files) {
    const path = file.includes('/') ? file : join(CRD_FIXTURES_DIR, file);
    const docs = parseAllDocuments(await readFile(path, 'utf8'));
    for (const doc of docs) {
      if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]!.message}`);
      const crd = doc.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string }; spec?: { group?: string; names?: { plural?: string }; versions?: { name: string; served?: boolean }[]; conversion?: { strategy?: string } } } | null;
      if (!crd) continue; // empty document (a trailing ---)
      if (crd.kind !== 'CustomResourceDefinition') throw new Error(`${path}: not a CRD (kind ${crd.kind})`);
      if (crd.apiVersion !== 'apiextensions.k8s.io/v1') {
        throw new Error(`${path}: ${crd.apiVersion} CRDs cannot be installed on Kubernetes ${KUBE_VERSION} (only apiextensions.k8s.io/v1 is served since 1.22)`);
      }
      const name = crd.metadata?.name;
      if (!name) throw new Error(`${path}: CRD without metadata.name`);
      if ((options.dropConversionWebhooks ?? true) && crd.spec?.conversion?.strategy === 'Webhook') {
        crd.spec.conversion = { strategy: 'None' };
      }
      await kubeJson(target, 'PATCH',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=firehose-test&force=true`,
        { body: crd, contentType: 'application/apply-patch+yaml' });
      names.push(name);
      served.push(...(crd.spec?.versions ?? []).filter((v) => v.served !== false).map((v) => ({ group: crd.spec?.group ?? '', version: v.name, plural: crd.spec?.names?.plural ?? '' })));
    }
  }
  await Promise.all(names.map((name) => waitForCrd(target, name, options.timeoutMs ?? 30_000)));
  // Established is not yet discoverable: discovery (what firehose resolves kinds through) is
  // updated a moment later. Wait until each served version lists the resource.
  await Promise.all(served.map(({ group, version, plural }) => waitFor(async () => {
    const groupRes = await kubeRequest(target, 'GET', `/apis/${group}`);
    if (groupRes.status !== 200 || !(JSON.parse(groupRes.text) as { versions?: { version: string }[] }).versions?.some((v) => v.version === version)) return false;
    const res = await kubeRequest(target, 'GET', `/apis/${group}/${version}`);
    return res.status === 200 && (JSON.parse(res.text) as { resources?: { name: string }[] }).resources?.some((r) => r.name === plural);
  }, { timeoutMs: options.timeoutMs ?? 30_000, what: `${plural}.${group}/${version} to be discoverable`, intervalMs: 50 })));
  return names;
}

async function waitForCrd(target: KubeTarget, name: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    const crd = await kubeJson<{ status?: { conditions?: { type: string; status: string }[] } }>(
      target, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, { timeoutMs, what: `CRD ${name} to be Established`, intervalMs: 50 });
}

/**
 * Deletes CRDs by name (and with them every resource of theirs) and waits
 * until they are gone; missing ones are skipped. Needed before installing
 * another version of the same CRD whose versions do not include the stored
 * one (e.g. Strimzi 0.45's v1beta2 KafkaTopic, then 1.2's v1-only one).
 */
export async function deleteCrds(kubeconfig: string, names: string[], options: { context?: string; timeoutMs?: number } = {}): Promise<void> {
  const target = await kubeTarget(kubeconfig, options.context);
  const path = (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
  await Promise.all(names.map(async (name) => {
    const res = await kubeRequest(target, 'DELETE', path(name));
    if (res.status === 404) return;
    if (res.status < 200 || res.status > 299) throw new Error(`DELETE CRD ${name} -> ${res.status}: ${res.text.slice(0, 1000)}`);
    await waitFor(async () => (await kubeRequest(target, 'GET', path(name))).status === 404,
      { timeoutMs: options.timeoutMs ?? 30_000, what: `CRD ${name} to be deleted`, intervalMs: 50 });
  }));
}

/** A Node object that kwok simulates (it becomes Ready; pods bound to it become Running). */
export function fakeNode(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', ...labels },
    },
    spec: {},
  };
}

/**
 * Appends lines to a container log file in the CRI format kwok serves
 * (`2016-10-06T00:00:00.000000000Z stdout F text`).
 */
export async function writeCriLog(file: string, lines: string[], stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
  const stamp = () => new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  await appendFile(file, lines.map((l) => `${stamp()} ${stream} F ${l}\n`).join(''));
}

async function etcdHealthy(port: number): Promise<boolean> {
  const res = await kubeRequest({ server: `http://127.0.0.1:${port}` }, 'GET', '/health', { timeoutMs: 2_000 });
  return res.status === 200 && /"health":\s*"true"/.test(res.text);
}

/** Starts etcd, kube-apiserver and (by default) kwok; resolves once the API server is ready and kwok serves. */
export async function startKubeCluster(options: KubeStartOptions = {}): Promise<KubeClusterHandle> {
  const bin = await ensureKubeBinaries();
  const startedAt = Date.now();
  const deadline = startedAt + START_TIMEOUT_MS;
  const kwokAssets = join(bin, '..', 'kwok');
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'firehose-kube-'));
  await mkdir(dir, { recursive: true });
  const detached = !!options.detached;
  const procs: { name: string; proc: ChildProcess; exited: () => boolean; reason: () => string; log: string }[] = [];
  const killOnExit = () => { for (const p of procs) { try { p.proc.kill('SIGKILL'); } catch { /* gone */ } } };
  if (!detached) process.once('exit', killOnExit);

  const stopAll = async () => {
    for (const p of [...procs].reverse()) {
      if (p.proc.pid) await stopProcess(p.proc.pid, p.exited).catch(() => {});
    }
    process.removeListener('exit', killOnExit);
  };

  /** Polls `ready` until it is true; fails fast when a process we started has died. */
  const waitReady = async (what: string, ready: () => Promise<boolean>): Promise<void> => {
    for (;;) {
      for (const p of procs) {
        if (p.exited()) throw new Error(`${p.name} exited while waiting for ${what} (${p.reason()}). Log tail:\n${await logTail(p.log)}`);
      }
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) {
        const tails = await Promise.all(procs.map(async (p) => `--- ${p.name} (${p.log}) ---\n${await logTail(p.log, 25)}`));
        throw new Error(`Timed out after ${START_TIMEOUT_MS} ms waiting for ${what}.\n${tails.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    const [pki, ports] = await Promise.all([generatePki(join(dir, 'pki')), freePorts(4)]);
    const [etcdClient, etcdPeer, apiPort, kwokPort] = ports as [number, number, number, number];
    const adminToken = randomBytes(24).toString('base64url');
    const user7Token = randomBytes(24).toString('base64url');
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(tokenFile, `${adminToken},admin,admin-uid,"system:masters"\n${user7Token},user7,user7-uid\n`, { mode: 0o600 });
    const logFiles = { etcd: join(dir, 'etcd.log'), apiserver: join(dir, 'kube-apiserver.log'), kwok: join(dir, 'kwok.log') };

    // etcd: one member, loopback only; fsync off (throwaway data, slow CI disks).
    const peer = `http://127.0.0.1:${etcdPeer}`;
    const etcd = spawnServer(join(bin, 'etcd'), [
      '--name=firehose', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=firehose=${peer}`,
      '--initial-cluster-state=new', '--unsafe-no-fsync=true', '--log-level=warn',
      '--auto-compaction-retention=1', `--quota-backend-bytes=${2 * 1024 ** 3}`,
    ], logFiles.etcd, detached);
    procs.push({ name: 'etcd', ...etcd, log: logFiles.etcd });
    await waitReady('etcd /health', () => etcdHealthy(etcdClient));

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = spawnServer(join(bin, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.ca}`, `--token-auth-file=${tokenFile}`,
      '--authorization-mode=RBAC', '--anonymous-auth=false',
      `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      // No controllers create per-namespace ServiceAccounts, so pods would be refused.
      '--disable-admission-plugins=ServiceAccount',
      // The "kubernetes" Service cannot point at a loopback address.
      '--endpoint-reconciler-type=none',
      // kwok's nodes advertise 127.0.0.1 (InternalIP) and kwok's port: logs/exec/port-forward go there.
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-client-certificate=${pki.adminCert}`, `--kubelet-client-key=${pki.adminKey}`,
      '--allow-privileged=true', '--enable-priority-and-fairness=false', '--profiling=false',
    ], logFiles.apiserver, detached);
    procs.push({ name: 'kube-apiserver', ...apiserver, log: logFiles.apiserver });
    const admin: KubeTarget = { server, ca: await readFile(pki.ca), token: adminToken };
    await waitReady('kube-apiserver /readyz', async () => (await kubeRequest(admin, 'GET', '/readyz', { timeoutMs: 5_000 })).status === 200);

    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, server, pki.ca, [
      { name: 'admin', token: adminToken },
      { name: 'admin-cert', certFile: pki.adminCert, keyFile: pki.adminKey },
      { name: 'user7', token: user7Token },
    ], 'admin');

    let kwokPid = 0;
    if (options.kwok ?? true) {
      // kwok's own kubeconfig, so tests that edit the shared one (current-context) cannot affect it.
      const kwokKubeconfig = join(dir, 'kwok.kubeconfig');
      await writeKubeconfig(kwokKubeconfig, server, pki.ca, [{ name: 'admin-cert', certFile: pki.adminCert, keyFile: pki.adminKey }], 'admin-cert');
      await installCrds(kwokKubeconfig, KWOK_CRDS.map((k) => join(kwokAssets, 'crds', `kwok.x-k8s.io_${KWOK_CRD_FILES[k]}.yaml`)));
      // Default stages, as `kwokctl create cluster` configures them (no node leases).
      const stageDir = join(kwokAssets, 'stages');
      const stages = await Promise.all((await readdir(stageDir)).filter((f) => f.endsWith('.yaml')).sort()
        .map((f) => readFile(join(stageDir, f), 'utf8')));
      const kwokConfig = join(dir, 'kwok.yaml');
      await writeFile(kwokConfig, stages.map((s) => s.replace(/^---\s*\n/, '')).join('\n---\n'));
      const kwok = spawnServer(join(bin, 'kwok'), [
        `--kubeconfig=${kwokKubeconfig}`, `--config=${kwokConfig}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
        '--node-ip=127.0.0.1', `--node-port=${kwokPort}`, `--server-address=127.0.0.1:${kwokPort}`,
        `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
        '--node-lease-duration-seconds=0',
        `--enable-crds=${KWOK_CRDS.join(',')}`,
      ], logFiles.kwok, detached);
      procs.push({ name: 'kwok', ...kwok, log: logFiles.kwok });
      kwokPid = kwok.proc.pid ?? 0;
      const kwokTarget: KubeTarget = { server: `https://127.0.0.1:${kwokPort}`, ca: admin.ca };
      await waitReady('kwok /healthz', async () => (await kubeRequest(kwokTarget, 'GET', '/healthz', { timeoutMs: 2_000 })).status === 200);
    }

    const info: KubeClusterInfo = {
      version: KUBE_VERSION,
      server,
      kubeconfig,
      caFile: pki.ca,
      adminToken,
      adminCertFile: pki.adminCert,
      adminKeyFile: pki.adminKey,
      user7Token,
      dir,
      logFiles,
      pids: { etcd: etcd.proc.pid ?? 0, apiserver: apiserver.proc.pid ?? 0, kwok: kwokPid },
    };
    if (process.env.FIREHOSE_TEST_VERBOSE) console.log(`Kubernetes ${KUBE_VERSION} ready in ${Date.now() - startedAt} ms at ${server} (kubeconfig ${kubeconfig})`);
    return {
      ...info,
      async stop() {
        await stopAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    // Keep the dir on failure only when the caller chose it (they may want the logs).
    if (!options.dir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
