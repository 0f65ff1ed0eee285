import { FirehoseError, UsageError } from '../errors.js';
import { kindInfo } from './kinds.js';

/** What was being done when the API server answered, for one-line messages. */
export interface ApiErrorContext {
  /** The operation, e.g. "apply KafkaTopic my-topic-7" or "list pods in knative-eventing". */
  what: string;
  /** The API server URL (https://api.cluster:6443). */
  server: string;
  /** The kind addressed, when the request was about a kind (404 then means "not installed"). */
  kind?: string;
  /** The kind's API group (for the KIND_NOT_INSTALLED hint). */
  group?: string;
}

/** A Kubernetes `Status` object (the body of most error answers). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
}

const NETWORK_CODES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|ESOCKETTIMEDOUT|socket hang up/i;
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|altnames|certificate/i;

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function parseStatus(body: string): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(body) as KubeStatus;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A network-level failure (no HTTP answer) while talking to the API server. */
export function translateNetworkError(error: unknown, ctx: ApiErrorContext): FirehoseError {
  if (error instanceof FirehoseError) return error;
  const e = error as { code?: string; message?: string } | undefined;
  const text = `${e?.code ?? ''} ${e?.message ?? String(error)}`;
  if (TLS_CODES.test(text) && !NETWORK_CODES.test(text)) {
    return new FirehoseError('CLUSTER_TLS', `TLS with the API server ${ctx.server} failed (${ctx.what}): ${oneLine(e?.message ?? String(error))}`, {
      hint: 'The kubeconfig\'s certificate-authority does not match the server: log in again with `oc login`.',
      cause: error,
    });
  }
  return new FirehoseError('CLUSTER_UNREACHABLE', `Cannot reach the API server ${ctx.server} (${ctx.what}): ${oneLine(e?.message || e?.code || String(error))}`, {
    hint: 'Check the network/VPN and the kubeconfig\'s server address (`oc whoami --show-server`); log in with `oc login`.',
    cause: error,
  });
}

/**
 * An HTTP error answer from the API server, translated where the request was made:
 * one line with what happened, plus a hint.
 */
export function translateStatusError(status: number, body: string, ctx: ApiErrorContext): FirehoseError {
  const parsed = parseStatus(body);
  const serverMessage = oneLine(parsed?.message ?? (body.trim() || `HTTP ${status}`));
  switch (status) {
    case 401:
      return new FirehoseError('CLUSTER_UNAUTHORIZED', `The API server ${ctx.server} did not accept your credentials (${ctx.what}).`, {
        hint: 'Your token expired? Run `oc login` again.',
      });
    case 403:
      return new FirehoseError('CLUSTER_FORBIDDEN', `Not allowed to ${ctx.what}: ${serverMessage}`, {
        hint: 'Your user lacks the RBAC rights for this: use your own namespace (--namespace), or ask the cluster admin.',
      });
    case 404:
      if (ctx.kind && !parsed?.details?.name) return kindNotInstalled(ctx.kind, ctx.group);
      return new FirehoseError('NOT_FOUND', `Not found (${ctx.what}): ${serverMessage}`, {
        hint: 'Check the name and the namespace (--namespace).',
      });
    case 409:
      return new FirehoseError('CLUSTER_CONFLICT', `Conflict (${ctx.what}): ${serverMessage}`, {
        hint: 'Someone else changed it at the same time, or it is being deleted: try again.',
      });
    case 422: {
      const causes = (parsed?.details?.causes ?? [])
        .map((c) => (c.field ? `${c.field}: ${c.message ?? c.reason ?? ''}` : c.message ?? c.reason ?? ''))
        .filter(Boolean);
      return schemaRejected(ctx, causes.length ? causes.join('; ') : serverMessage);
    }
    default: {
      // Server-side apply checks types before validation and answers 500 for a mismatch.
      const typed = /failed to create typed patch object \([^)]*\): \.?(.+)$/.exec(serverMessage);
      if (typed) return schemaRejected(ctx, typed[1]!);
      return new FirehoseError('CLUSTER_ERROR', `The API server answered ${status} (${ctx.what}): ${serverMessage}`, {
        hint: status >= 500 ? 'The cluster has trouble: try again in a moment.' : 'Run with --verbose for details.',
      });
    }
  }
}

function schemaRejected(ctx: ApiErrorContext, detail: string): FirehoseError {
  return new UsageError(
    `The cluster rejected ${ctx.what}: ${oneLine(detail)}`,
    'The object does not match the schema the cluster serves: check the field named above (and the CRD version installed).',
    { code: 'SCHEMA_REJECTED' },
  );
}

/** The install hint for a kind (by kind, or by group for kinds firehose does not know). */
export function installHint(kind: string, group?: string): string {
  const known = kindInfo(kind);
  if (known?.install && (!group || known.group === group)) return known.install;
  if (group === 'kafka.strimzi.io') return 'install the Strimzi operator (AMQ Streams on OpenShift)';
  if (group?.endsWith('knative.dev')) return 'install Knative (OpenShift Serverless) with the component that provides it';
  return `install the operator that provides ${group ? `${group}/` : ''}${kind}`;
}

export function kindNotInstalled(kind: string, group?: string, servedElsewhere?: string): FirehoseError {
  const install = installHint(kind, group);
  const label = group && kindInfo(kind)?.group !== group ? `${kind} (${group})` : kind;
  return new FirehoseError('KIND_NOT_INSTALLED', `${label} is not installed on this cluster: ${install}.`, {
    hint: servedElsewhere ?? `\`oc api-resources --api-group=${group ?? kindInfo(kind)?.group ?? ''}\` lists what the cluster serves; ask the cluster admin to ${install}.`,
  });
}
