import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeContextUserName, ocWhoami } from '../../src/config/login-name.js';
import { resolveUser } from '../../src/config/user.js';
import { runCli } from '../support/cli.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: lab
contexts:
- name: lab
  context: { cluster: c, user: user7/api-cluster-example-com:6443, namespace: user7 }
- name: admin
  context: { cluster: c, user: kube:admin }
`;

async function kubeconfigFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firehose-kube-'));
  await writeFile(join(dir, 'config'), KUBECONFIG);
  return join(dir, 'config');
}

/** A fake `oc` on PATH that prints `name` for `oc whoami`. */
async function fakeOc(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firehose-oc-'));
  await writeFile(join(dir, 'oc'), `#!/bin/sh\n[ "$1" = whoami ] && echo ${name}\n`);
  await chmod(join(dir, 'oc'), 0o755);
  return dir;
}

describe('user number from the lab login', () => {
  it('reads the current context user, or a named context', async () => {
    const path = await kubeconfigFile();
    expect(await kubeContextUserName({ KUBECONFIG: path })).toBe('user7/api-cluster-example-com:6443');
    expect(await kubeContextUserName({ KUBECONFIG: path }, 'admin')).toBe('kube:admin');
    expect(await kubeContextUserName({ KUBECONFIG: '/nonexistent' })).toBeUndefined();
  });

  it('takes N from userN in the kube context, then from oc whoami, after flag/env/config', async () => {
    const base = { env: {}, kubeContextUser: async () => 'user7/api:6443', ocWhoami: async () => 'user9' };
    expect(await resolveUser(base)).toEqual({ number: 7, source: 'kube-context' });
    expect(await resolveUser({ ...base, kubeContextUser: async () => 'kube:admin' })).toEqual({ number: 9, source: 'oc-whoami' });
    expect(await resolveUser({ ...base, configUser: 3 })).toEqual({ number: 3, source: 'config' });
    await expect(resolveUser({ env: {}, kubeContextUser: async () => 'developer', ocWhoami: async () => undefined })).rejects.toMatchObject({ code: 'USER_UNKNOWN' });
  });

  it('the CLI uses the kubeconfig and `oc whoami` (oc found on PATH)', async () => {
    const path = await kubeconfigFile();
    const fromContext = await runCli(['config', 'view', '--output', 'json'], { env: { KUBECONFIG: path } });
    expect(JSON.parse(fromContext.stdout).user).toEqual({ number: 7, source: 'kube-context' });
    const ocDir = await fakeOc('user12');
    expect(await ocWhoami({ PATH: `${ocDir}:${process.env.PATH}` })).toBe('user12');
    const fromOc = await runCli(['config', 'view', '--output', 'json'], { env: { PATH: `${ocDir}:${process.env.PATH}` } });
    expect(JSON.parse(fromOc.stdout).user).toEqual({ number: 12, source: 'oc-whoami' });
  });
});
