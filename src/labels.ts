/** The labels every object firehose creates carries, so `cleanup` finds exactly those. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'firehose';
export const USER_LABEL = 'firehose.dev/user';

export function managedLabels(user: number): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [USER_LABEL]: String(user) };
}
