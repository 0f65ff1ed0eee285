// A Kubernetes API server (etcd + kube-apiserver + kwok) for manual work that
// outlives this script:
//   tsx test/support/kube-cli.ts start|stop|status
//   export KUBECONFIG=$(npx tsx test/support/kube-cli.ts start)
// `start` and `status` print the kubeconfig path on stdout (details on stderr).
// State lives in .firehose-test/kube.json at the repo root.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, stopProcess } from './kafka.js';
import { startKubeCluster, type KubeClusterInfo } from './kube-cluster.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const stateDir = join(root, '.firehose-test');
const stateFile = join(stateDir, 'kube.json');

function readState(): KubeClusterInfo | undefined {
  return existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as KubeClusterInfo) : undefined;
}

/** Alive and still ours: a recycled pid must not be killed by `stop`. */
function running(pid: number, dir: string): boolean {
  if (!pid || !alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return existsSync(dir); // no /proc: trust the pid
  }
}

/** Exited: gone, or a zombie waiting for init (which may reap it only seconds later). */
function gone(pid: number): boolean {
  if (!alive(pid)) return true;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

function pidsOf(state: KubeClusterInfo): [string, number][] {
  // Stop order: kwok, then the API server, then etcd.
  return [['kwok', state.pids.kwok], ['kube-apiserver', state.pids.apiserver], ['etcd', state.pids.etcd]];
}

function print(state: KubeClusterInfo): void {
  console.error(
    [
      `Kubernetes ${state.version} at ${state.server}`,
      `  contexts: admin (current), admin-cert, user7 (no rights)`,
      `  admin token: ${state.adminToken}`,
      `  user7 token: ${state.user7Token}`,
      `  CA: ${state.caFile}`,
      `  logs: ${Object.values(state.logFiles).join(' ')}`,
      `  pids: etcd ${state.pids.etcd}, kube-apiserver ${state.pids.apiserver}, kwok ${state.pids.kwok}`,
      `  fake nodes: annotate a Node kwok.x-k8s.io/node=fake`,
    ].join('\n'),
  );
  console.log(state.kubeconfig);
}

async function start(): Promise<void> {
  const old = readState();
  if (old && pidsOf(old).every(([, pid]) => running(pid, old.dir))) {
    console.error('The cluster is already running.');
    print(old);
    return;
  }
  if (old) await stop();
  await mkdir(stateDir, { recursive: true });
  const began = Date.now();
  const { stop: _stop, ...state } = await startKubeCluster({ dir: join(stateDir, `kube-${Date.now()}`), detached: true });
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  console.error(`Cluster started in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
  print(state);
}

async function stop(): Promise<void> {
  const state = readState();
  if (!state) {
    console.error('No cluster state file; nothing to stop.');
    return;
  }
  for (const [, pid] of pidsOf(state)) {
    if (running(pid, state.dir)) await stopProcess(pid, () => gone(pid));
  }
  await rm(state.dir, { recursive: true, force: true });
  await rm(stateFile, { force: true });
  console.error('Cluster stopped.');
}

function status(): void {
  const state = readState();
  const down = state ? pidsOf(state).filter(([, pid]) => !running(pid, state.dir)).map(([name]) => name) : [];
  if (state && down.length === 0) {
    print(state);
  } else {
    console.error(state ? `Not running: ${down.join(', ')}; run stop to clean up.` : 'No cluster is running.');
    process.exitCode = 1;
  }
}

const command = process.argv[2];
if (command === 'start') await start();
else if (command === 'stop') await stop();
else if (command === 'status') status();
else {
  console.error('usage: tsx test/support/kube-cli.ts start|stop|status');
  process.exitCode = 2;
}
