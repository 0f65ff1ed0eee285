// `firehose tail logs` and `firehose watch pods` against a real API server, with kwok's
// fake pods serving logs from CRI files. Run with
//   npx vitest run --config vitest.kube.config.ts test/cluster/observe.kube-test.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizeTimestamp } from '../../src/cluster/logs.js';
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { cleanEnv, startInProcess } from '../support/cli.js';
import { fakeNode, kubeJson, kubeRequest, writeCriLog } from '../support/kube-cluster.js';
import { startKubeEnv, type KubeEnv } from '../support/kube-env.js';
import { waitFor } from '../support/wait.js';

const NS = 'observe';
/** A second namespace, for -A. */
const NS2 = 'observe-2';
const NODE = 'kwok-observe-0';
let env: KubeEnv;
let scratch: string;
const running: { stop(): Promise<number> }[] = [];

beforeAll(async () => {
  env = await startKubeEnv();
  scratch = await mkdtemp(join(tmpdir(), 'firehose-observe-'));
  await env.namespaces(NS, NS2);
  await kubeJson(env.admin, 'POST', '/api/v1/nodes', { body: fakeNode(NODE) });
  await waitFor(async () => {
    const node = await kubeJson<{ status?: { conditions?: { type: string; status: string }[] } }>(env.admin, 'GET', `/api/v1/nodes/${NODE}`);
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, { timeoutMs: 30_000, what: `node ${NODE} to be Ready` });
});

afterEach(async () => {
  // A failed test must not leave a follower running into the next one.
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await env?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function logFile(pod: string, container = 'user-container', namespace = NS): string {
  return join(scratch, `${namespace === NS ? '' : `${namespace}.`}${pod}.${container}.log`);
}

/** A pod of Knative Service `service` on the kwok node, serving user-container's and queue-proxy's logs from files. */
async function createPod(name: string, service: string, lines: string[], namespace = NS): Promise<void> {
  await writeCriLog(logFile(name, 'user-container', namespace), lines);
  await writeCriLog(logFile(name, 'queue-proxy', namespace), [`queue-proxy of ${name} up`]);
  await kubeJson(env.admin, 'POST', `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${namespace}/logs`, {
    body: {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name, namespace },
      spec: {
        logs: [
          { containers: ['user-container'], logsFile: logFile(name, 'user-container', namespace), follow: true },
          { containers: ['queue-proxy'], logsFile: logFile(name, 'queue-proxy', namespace), follow: true },
        ],
      },
    },
  });
  await kubeJson(env.admin, 'POST', `/api/v1/namespaces/${namespace}/pods`, {
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { 'serving.knative.dev/service': service } },
      spec: {
        nodeName: NODE,
        containers: [
          { name: 'user-container', image: 'quay.io/rhdevelopers/eventinghello:0.0.2' },
          { name: 'queue-proxy', image: 'gcr.io/knative-releases/queue' },
        ],
      },
    },
  });
}

/** Waits until kwok has the pod running (its containers started: its logs can be read). */
async function podRunning(name: string, namespace = NS): Promise<void> {
  await waitFor(async () => (await kubeJson<{ status?: { phase?: string } }>(env.admin, 'GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).status?.phase === 'Running',
    { timeoutMs: 30_000, what: `pod ${namespace}/${name} to run` });
}

/** Resolves with the exit code when the command exits by itself (no signal) within the deadline. */
async function exitedByItself(proc: { exit: Promise<number>; output: { stdout: string; stderr: string } }): Promise<number> {
  let code: number | undefined;
  void proc.exit.then((c) => { code = c; });
  await waitFor(() => code !== undefined, { timeoutMs: 30_000, what: `the command to exit by itself (stdout: ${proc.output.stdout}, stderr: ${proc.output.stderr})` });
  return code!;
}

async function deletePod(name: string): Promise<void> {
  const res = await kubeRequest(env.admin, 'DELETE', `/api/v1/namespaces/${NS}/pods/${name}`);
  if (res.status !== 200 && res.status !== 202) throw new Error(`delete pod ${name}: ${res.status} ${res.text}`);
}

function firehose(argv: string[]) {
  const proc = startInProcess([...argv, '--context', 'admin', '--namespace', NS], { env: { KUBECONFIG: env.cluster.kubeconfig } });
  running.push(proc);
  return {
    ...proc,
    stop: async () => {
      running.splice(running.indexOf(proc), 1);
      return proc.stop();
    },
  };
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('log timestamps', () => {
  it('compares timestamps of any precision', () => {
    expect(normalizeTimestamp('2026-11-24T14:15:06.12Z')).toBe('2026-11-24T14:15:06.120000000Z');
    expect(normalizeTimestamp('2026-11-24T14:15:06Z') < normalizeTimestamp('2026-11-24T14:15:06.000000001Z')).toBe(true);
  });
});

describe('firehose tail logs', () => {
  it('fails with one line and a hint when the user may not list pods', async () => {
    const proc = startInProcess(['tail', 'logs', '--context', 'user7', '--namespace', NS], { env: { KUBECONFIG: env.cluster.kubeconfig } });
    expect(await proc.exit).toBe(1);
    expect(proc.output.stderr).toMatch(/^error: Not allowed to list pods in observe/m);
    expect(proc.output.stderr).toMatch(/^hint: /m);
  });

  it('prints lines from every matching pod and none from others, and follows appended lines', async () => {
    await createPod('eventinghello-a', 'eventinghello', ['POST:a-1', 'POST:a-2']);
    await createPod('eventinghello-b', 'eventinghello', ['POST:b-1']);
    await createPod('other-x', 'other', ['POST:x-1']);

    const tail = firehose(['tail', 'logs', '--no-color']);
    await waitFor(() => ['POST:a-1', 'POST:a-2', 'POST:b-1'].every((l) => tail.output.stdout.includes(l)),
      { timeoutMs: 30_000, what: `lines of both eventinghello pods (stdout: ${tail.output.stdout}, stderr: ${tail.output.stderr})` });
    expect(tail.output.stdout).toContain('eventinghello-a POST:a-1\n');
    expect(tail.output.stdout).toContain('eventinghello-b POST:b-1\n');
    expect(tail.output.stderr).toContain('+ eventinghello-a (user-container)');
    expect(tail.output.stderr).toContain('+ eventinghello-b (user-container)');

    // logs -f: a line written later arrives.
    await writeCriLog(logFile('eventinghello-b'), ['POST:b-2 later']);
    await waitFor(() => tail.output.stdout.includes('eventinghello-b POST:b-2 later\n'), { timeoutMs: 15_000, what: 'the appended line' });

    expect(await tail.stop()).toBe(130);
    expect(tail.output.stdout).not.toContain('x-1');
    expect(tail.output.stdout).not.toContain('other-x');
    expect(tail.output.stdout).not.toContain('queue-proxy');
    for (const l of ['POST:a-1', 'POST:a-2', 'POST:b-1', 'POST:b-2 later']) expect(count(tail.output.stdout, l)).toBe(1);
  });

  it('--output json, --all-containers, --pod and --timestamps', async () => {
    const tail = firehose(['tail', 'logs', '--all-containers', '--pod', '-a$', '--output', 'json']);
    await waitFor(() => tail.output.stdout.includes('queue-proxy of eventinghello-a up') && tail.output.stdout.includes('POST:a-2'),
      { timeoutMs: 30_000, what: `both containers of eventinghello-a (stdout: ${tail.output.stdout}, stderr: ${tail.output.stderr})` });
    expect(await tail.stop()).toBe(130);
    const objects = tail.output.stdout.trim().split('\n').map((l) => JSON.parse(l) as { pod: string; container: string; time: string; line: string });
    expect(new Set(objects.map((o) => o.pod))).toEqual(new Set(['eventinghello-a']));
    expect(objects).toContainEqual({ pod: 'eventinghello-a', container: 'user-container', time: expect.stringMatching(/^\d{4}-.*Z$/), line: 'POST:a-1' });
    expect(objects).toContainEqual(expect.objectContaining({ container: 'queue-proxy', line: 'queue-proxy of eventinghello-a up' }));

    const stamped = firehose(['tail', 'logs', '--timestamps', '--tail', '1', '--no-color']);
    await waitFor(() => /^eventinghello-b \d{4}-\d\d-\d\dT[\d:.]+Z POST:b-2 later$/m.test(stamped.output.stdout),
      { timeoutMs: 30_000, what: `a timestamped line (stdout: ${stamped.output.stdout})` });
    expect(await stamped.stop()).toBe(130);
    expect(stamped.output.stdout).not.toContain('POST:b-1'); // --tail 1
  });

  it('picks up pods as the service scales 0 → 3 and marks them gone as it scales back to 0; watch pods counts them', async () => {
    const tail = firehose(['tail', 'logs', 'scaler', '--no-color']);
    const watch = firehose(['watch', 'pods', 'scaler', '--no-color']);
    const watchJson = firehose(['watch', 'pods', 'scaler', '--output', 'json']);
    await waitFor(() => tail.output.stderr.includes('waiting for pods...') && watch.output.stderr.includes('waiting for pods...'),
      { timeoutMs: 15_000, what: `"waiting for pods..." (tail: ${tail.output.stderr}; watch: ${watch.output.stderr})` });

    const pods = ['scaler-1', 'scaler-2', 'scaler-3'];
    for (const pod of pods) await createPod(pod, 'scaler', [`POST:hello from ${pod}`]);
    await waitFor(() => pods.every((p) => tail.output.stdout.includes(`${p} POST:hello from ${p}\n`)),
      { timeoutMs: 30_000, what: `lines from the 3 new pods (stdout: ${tail.output.stdout}, stderr: ${tail.output.stderr})` });
    for (const p of pods) expect(tail.output.stderr).toContain(`+ ${p}`);
    await waitFor(() => watch.output.stdout.includes('ready 3 (max 3)'),
      { timeoutMs: 30_000, what: `3 ready pods in watch pods (stdout: ${watch.output.stdout})` });

    for (const pod of pods) await deletePod(pod);
    await waitFor(() => pods.every((p) => tail.output.stderr.includes(`- ${p}`)),
      { timeoutMs: 30_000, what: `the 3 pods marked gone (stderr: ${tail.output.stderr})` });
    await waitFor(() => count(tail.output.stderr, 'waiting for pods...') === 2,
      { timeoutMs: 15_000, what: `"waiting for pods..." again (stderr: ${tail.output.stderr})` });
    await waitFor(() => pods.every((p) => new RegExp(`^DELETED ${p} `, 'm').test(watch.output.stdout)) && watch.output.stdout.trimEnd().endsWith('ready 0 (max 3)'),
      { timeoutMs: 30_000, what: `the deletions in watch pods (stdout: ${watch.output.stdout})` });

    expect(await tail.stop()).toBe(130);
    expect(await watch.stop()).toBe(130);
    expect(await watchJson.stop()).toBe(130);
    for (const p of pods) {
      expect(count(tail.output.stdout, `POST:hello from ${p}`)).toBe(1);
      expect(watch.output.stdout).toMatch(new RegExp(`^ADDED ${p} \\S+ \\d/2 `, 'm'));
      expect(watch.output.stdout).toMatch(new RegExp(`^MODIFIED ${p} Running 2/2 `, 'm'));
    }
    expect(watch.output.stderr).toContain('Stopped: ready 0 (max 3).');

    const events = watchJson.output.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; pod: { name: string; status: string; ready: string; containers: string[] }; ready: number; maxReady: number });
    expect(events.filter((e) => e.type === 'added').map((e) => e.pod.name).sort()).toEqual(pods);
    expect(events.filter((e) => e.type === 'deleted').map((e) => e.pod.name).sort()).toEqual(pods);
    expect(Math.max(...events.map((e) => e.maxReady))).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'deleted', ready: 0, maxReady: 3 });
    expect(events[0]!.pod.containers).toEqual(['user-container', 'queue-proxy']);
  });

  it('watch pods on a terminal redraws one table in place', async () => {
    const tty = () => Object.assign(new PassThrough(), { isTTY: true });
    const stdout = tty();
    const stderr = tty();
    let screen = '';
    stdout.on('data', (c: Buffer) => { screen += c.toString(); });
    stderr.resume();
    const controller = new AbortController();
    const exit = run(['watch', 'pods', 'table', '--no-color', '--context', 'admin', '--namespace', NS], {
      env: cleanEnv({ KUBECONFIG: env.cluster.kubeconfig }), stdin: new PassThrough(), stdout, stderr, signal: controller.signal,
    });
    try {
      await waitFor(() => screen.includes('ready 0 (max 0)'), { timeoutMs: 15_000, what: `the empty table (screen: ${JSON.stringify(screen)})` });
      expect(screen).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      await createPod('table-1', 'table', ['hi']);
      await waitFor(() => /^table-1\s+2\/2\s+Running\s+0\s+\d+s$/m.test(screen) && screen.includes('ready 1 (max 1)'),
        { timeoutMs: 30_000, what: `the running pod in the table (screen: ${JSON.stringify(screen)})` });
      expect(screen).toContain('\x1b[3A\x1b[J'); // the 3-line empty table was overwritten
      await deletePod('table-1');
      await waitFor(() => screen.endsWith('\nready 0 (max 1)\n'), { timeoutMs: 30_000, what: `the table after the deletion (screen: ${JSON.stringify(screen.slice(-300))})` });
    } finally {
      controller.abort();
      expect(await exit).toBe(130);
    }
  });

  it('resumes dropped watches and log streams without repeating lines', async () => {
    // --watch-timeout 1: the API server ends the pod watch every second; --log-stream-timeout 1:
    // each log stream is dropped after a second and reopened from the last line's timestamp
    // (sinceTime has whole seconds, so the server sends lines of that second again).
    await createPod('resume-1', 'resume', ['POST:r-1', 'POST:r-2']);
    const tail = firehose(['tail', 'logs', 'resume', '--no-color', '--watch-timeout', '1', '--log-stream-timeout', '1', '--verbose']);
    await waitFor(() => tail.output.stdout.includes('resume-1 POST:r-2\n'),
      { timeoutMs: 30_000, what: `the first lines (stdout: ${tail.output.stdout}, stderr: ${tail.output.stderr})` });
    await waitFor(() => count(tail.output.stderr, 'pod watch resumed') >= 2 && count(tail.output.stderr, 'log stream of resume-1/user-container ended') >= 2,
      { timeoutMs: 15_000, what: `the pod watch and the log stream to be resumed twice (stderr: ${tail.output.stderr})` });
    await writeCriLog(logFile('resume-1'), ['POST:r-3', 'POST:r-4']);
    await waitFor(() => tail.output.stdout.includes('resume-1 POST:r-4\n'), { timeoutMs: 15_000, what: `lines written after a reopen (stdout: ${tail.output.stdout})` });
    // A pod created after several resumed watches is still picked up.
    await createPod('resume-2', 'resume', ['POST:r2-1']);
    await waitFor(() => tail.output.stdout.includes('resume-2 POST:r2-1\n'), { timeoutMs: 30_000, what: `the later pod (stdout: ${tail.output.stdout})` });
    await waitFor(() => count(tail.output.stderr, 'log stream of resume-2/user-container ended') >= 1, { timeoutMs: 15_000, what: 'a reopened stream of the later pod' });
    await writeCriLog(logFile('resume-1'), ['POST:r-5']);
    await waitFor(() => tail.output.stdout.includes('resume-1 POST:r-5\n'), { timeoutMs: 15_000, what: 'one more line' });
    // Past another reopen of both streams: still nothing repeated.
    const ended = count(tail.output.stderr, 'log stream of resume-1/user-container ended');
    await waitFor(() => count(tail.output.stderr, 'log stream of resume-1/user-container ended') >= ended + 2, { timeoutMs: 15_000, what: 'two more reopens' });

    expect(await tail.stop()).toBe(130);
    const lines = tail.output.stdout.trim().split('\n');
    expect(lines).toEqual(['resume-1 POST:r-1', 'resume-1 POST:r-2', 'resume-1 POST:r-3', 'resume-1 POST:r-4', 'resume-2 POST:r2-1', 'resume-1 POST:r-5']);
    expect(tail.output.stderr).not.toContain('- resume-1');
  });

  it('--no-follow prints the lines there are of every matching pod and exits 0 by itself', async () => {
    await createPod('nofollow-1', 'nofollow', ['POST:n1-1', 'POST:n1-2']);
    await createPod('nofollow-2', 'nofollow', ['POST:n2-1']);
    await podRunning('nofollow-1');
    await podRunning('nofollow-2');

    const all = firehose(['tail', 'logs', 'nofollow', '--no-follow', '--no-color']);
    expect(await exitedByItself(all)).toBe(0);
    expect(all.output.stdout.split('\n').filter(Boolean).sort()).toEqual(['nofollow-1 POST:n1-1', 'nofollow-1 POST:n1-2', 'nofollow-2 POST:n2-1']);
    expect(all.output.stdout).toContain('nofollow-1 POST:n1-1\nnofollow-1 POST:n1-2\n'); // one pod's lines in order
    expect(all.output.stderr).toContain('+ nofollow-1 (user-container)');
    expect(all.output.stderr).not.toContain('Ctrl-C');

    // --tail, --timestamps and --include apply as when following.
    const last = firehose(['tail', 'logs', 'nofollow', '--no-follow', '--tail', '1', '--timestamps', '--include', 'n1-', '--no-color']);
    expect(await exitedByItself(last)).toBe(0);
    expect(last.output.stdout).toMatch(/^nofollow-1 \d{4}-\d\d-\d\dT[\d:.]+Z POST:n1-2\n$/);

    const none = firehose(['tail', 'logs', 'nosuch', '--no-follow', '--no-color']);
    expect(await exitedByItself(none)).toBe(0);
    expect(none.output.stdout).toBe('');
    expect(none.output.stderr).toContain('No running pods match (serving.knative.dev/service=nosuch) in observe.');
  });

  it('-A: pods of every namespace, the namespace before the pod; watch pods -A lists both', async () => {
    // The same pod name in two namespaces: two pods.
    const tail = firehose(['tail', 'logs', 'allns', '-A', '--no-color']);
    const watch = firehose(['watch', 'pods', 'allns', '--all-namespaces', '--no-color']);
    await waitFor(() => tail.output.stderr.includes('waiting for pods...') && watch.output.stderr.includes('waiting for pods...'),
      { timeoutMs: 15_000, what: `"waiting for pods..." (tail: ${tail.output.stderr}; watch: ${watch.output.stderr})` });
    expect(tail.output.stderr).toContain('Following pods (serving.knative.dev/service=allns) in all namespaces');
    await createPod('allns-1', 'allns', ['POST:from observe'], NS);
    await createPod('allns-1', 'allns', ['POST:from observe-2'], NS2);

    await waitFor(() => tail.output.stdout.includes('observe allns-1 POST:from observe\n') && tail.output.stdout.includes('observe-2 allns-1 POST:from observe-2\n'),
      { timeoutMs: 30_000, what: `lines of both namespaces' pods (stdout: ${tail.output.stdout}, stderr: ${tail.output.stderr})` });
    expect(tail.output.stderr).toContain('+ observe allns-1 (user-container)');
    expect(tail.output.stderr).toContain('+ observe-2 allns-1 (user-container)');
    await waitFor(() => watch.output.stdout.includes('ready 2 (max 2)'), { timeoutMs: 30_000, what: `2 ready pods (stdout: ${watch.output.stdout})` });
    expect(watch.output.stdout).toMatch(/^ADDED observe allns-1 \S+ \d\/2 /m);
    expect(watch.output.stdout).toMatch(/^ADDED observe-2 allns-1 \S+ \d\/2 /m);

    expect(await tail.stop()).toBe(130);
    expect(await watch.stop()).toBe(130);
    expect(count(tail.output.stdout, 'POST:from observe\n')).toBe(1);
    expect(count(tail.output.stdout, 'POST:from observe-2\n')).toBe(1);

    // With --no-follow and JSON: each object names its namespace.
    const json = firehose(['tail', 'logs', 'allns', '-A', '--no-follow', '--output', 'json']);
    expect(await exitedByItself(json)).toBe(0);
    const objects = json.output.stdout.trim().split('\n').map((l) => JSON.parse(l) as { namespace: string; pod: string; line: string });
    expect(objects.map(({ namespace, pod, line }) => ({ namespace, pod, line })).sort((a, b) => a.namespace.localeCompare(b.namespace))).toEqual([
      { namespace: 'observe', pod: 'allns-1', line: 'POST:from observe' },
      { namespace: 'observe-2', pod: 'allns-1', line: 'POST:from observe-2' },
    ]);
  });
});
