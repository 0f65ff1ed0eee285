import { UsageError } from '../errors.js';
import { ENV, type EnvSource } from './env.js';

/** Where the user number came from, so commands can say so. */
export type UserSource = 'flag' | 'env' | 'config' | 'kube-context' | 'oc-whoami' | 'prompt';

export interface ResolvedUser {
  number: number;
  source: UserSource;
}

export interface ResolveUserInput {
  flag?: string;
  env: EnvSource;
  configUser?: number | string;
  /**
   * Lab logins name the user `userN`: the kube context's user, then `oc whoami`. Each
   * returns the login name or undefined; both are tried only when the sources above are empty.
   */
  kubeContextUser?: () => Promise<string | undefined>;
  ocWhoami?: () => Promise<string | undefined>;
  /** Asks the person at the terminal; absent when stdin is not a TTY. */
  ask?: () => Promise<string>;
}

export function parseUserNumber(text: string, where: string): number {
  const match = /^(?:user)?(\d{1,6})$/i.exec(String(text).trim());
  if (!match) {
    throw new UsageError(`The user number from ${where} must be a number such as 7 (or user7), not "${text}".`);
  }
  return Number(match[1]);
}

/** N of a lab login: "user7", and "user7/api-cluster:6443" as `oc login` names kube users. */
export function userNumberFromLogin(name: string | undefined): number | undefined {
  const match = /^user(\d{1,6})(?:$|[/:@])/i.exec(name ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Flag > FIREHOSE_USER > config file > kube context userN > `oc whoami` > prompt on a TTY; otherwise an error naming every way to set it. */
export async function resolveUser(input: ResolveUserInput): Promise<ResolvedUser> {
  if (input.flag !== undefined) return { number: parseUserNumber(input.flag, '--user'), source: 'flag' };
  const fromEnv = input.env[ENV.user];
  if (fromEnv) return { number: parseUserNumber(fromEnv, ENV.user), source: 'env' };
  if (input.configUser !== undefined && input.configUser !== null) {
    return { number: parseUserNumber(String(input.configUser), 'the config file'), source: 'config' };
  }
  const contextNumber = userNumberFromLogin(await input.kubeContextUser?.().catch(() => undefined));
  if (contextNumber !== undefined) return { number: contextNumber, source: 'kube-context' };
  const ocNumber = userNumberFromLogin(await input.ocWhoami?.().catch(() => undefined));
  if (ocNumber !== undefined) return { number: ocNumber, source: 'oc-whoami' };
  if (input.ask) return { number: parseUserNumber(await input.ask(), 'the prompt'), source: 'prompt' };
  throw new UsageError(
    'No user number is set, and this shell is not interactive, so firehose cannot ask for it.',
    `Pass --user N, set ${ENV.user}=N, put "user: N" in the config file (firehose config path), or log in as userN (oc login).`,
    { code: 'USER_UNKNOWN' },
  );
}

/** The lab's per-user names. */
export const labNames = {
  topic: (user: number) => `my-topic-${user}`,
  sourceGroup: (user: number) => `knative-group-${user}`,
  /** The lab cluster's namespace for user N, which the local lab's CloudEvent sources name too. */
  namespace: (user: number) => `user${user}`,
};

/**
 * The local lab's (`firehose up`) settings where the workshop's cluster fixes them, and its
 * defaults where a flag can change them.
 */
export const labDefaults = {
  /** The KafkaSource's name, part of each CloudEvent's source attribute. */
  sourceName: 'mykafka-source',
  /** Partitions of the topic when `up` has to create it (the lab's KafkaTopic has 10). */
  partitions: 10,
  /** The embedded Kafka broker's port: Kafka's usual one, so other terminals find it by default. */
  kafkaPort: 9092,
  /** The sink like the lab's eventinghello Knative Service: maxScale, scale-to-zero after idle, cold start. */
  maxScale: 10,
  idle: '90s',
  coldStart: '500ms',
  /** Delivery: retries after the first try, the first backoff (doubling), each request's timeout. */
  retries: 3,
  backoff: '200ms',
  requestTimeoutMs: 30_000,
  /** How long `up --detach` waits for the background lab to be up, and `down` for it to stop. */
  detachTimeoutMs: 60_000,
  stopTimeout: '20s',
} as const;
