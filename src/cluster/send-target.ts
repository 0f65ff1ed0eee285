// Where `firehose send --to broker:default` (or ksvc:NAME, svc:NAME, a cluster-local URL)
// goes from a laptop: the address the object's status gives, and the pod behind it that a
// port-forward through the API server reaches (as for Kafka: nothing listens on local ports).
import { FirehoseError } from '../errors.js';
import type { ClusterClient } from './connect.js';
import { getObjectOf, objectType } from './objects.js';
import { resolveServiceUrl, type PodTarget } from './port-forward.js';

/** kn's reference (kind as firehose's catalogue names it), or a URL. */
export type SendTo =
  | { kind: 'Broker' | 'Service' | 'Channel' | 'CoreService'; name: string; namespace?: string }
  | { url: string };

export interface SendTarget {
  /** The address the event goes to (what the cluster's own clients use). */
  url: URL;
  /** The pod and port that address leads to. */
  pod: PodTarget;
}

async function addressOf(client: ClusterClient, to: Exclude<SendTo, { url: string }>): Promise<string> {
  const namespace = to.namespace ?? client.namespace;
  if (to.kind === 'CoreService') {
    const what = `read Service ${to.name} in ${namespace}`;
    const res = await client.request('GET', `/api/v1/namespaces/${namespace}/services/${to.name}`, { what });
    if (res.status === 404) {
      throw new FirehoseError('NOT_FOUND', `No Service ${to.name} in namespace ${namespace}.`, { hint: `\`oc get svc -n ${namespace}\` lists them; ksvc:NAME names a Knative Service.` });
    }
    if (res.status !== 200) throw client.fail(res, { what });
    const port = res.json<{ spec?: { ports?: Array<{ port: number }> } }>().spec?.ports?.[0]?.port ?? 80;
    return `http://${to.name}.${namespace}.svc.cluster.local${port === 80 ? '' : `:${port}`}/`;
  }
  const noun = to.kind === 'Broker' ? 'broker' : to.kind === 'Channel' ? 'channel' : 'service';
  const object = await getObjectOf(client, objectType(noun), to.name, namespace);
  const status = (object.status ?? {}) as { address?: { url?: string }; url?: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
  const url = status.address?.url ?? (to.kind === 'Service' ? undefined : status.url);
  if (!url) {
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    throw new FirehoseError('NOT_READY', `${object.kind} ${to.name} in ${namespace} has no address yet (${ready ? `Ready ${ready.status}${ready.reason ? `: ${ready.reason}` : ''}` : 'no status: nothing has reconciled it'}).`, {
      hint: `\`firehose ${noun} describe ${to.name}\` shows its conditions.`,
    });
  }
  return url;
}

/** The address of `to` and the pod a port-forward reaches it through. */
export async function resolveSendTarget(client: ClusterClient, to: SendTo): Promise<SendTarget> {
  const url = new URL('url' in to ? to.url : await addressOf(client, to));
  return { url, pod: await resolveServiceUrl(client, url) };
}
