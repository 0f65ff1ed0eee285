/** Every environment variable firehose reads, in one place. */
export const ENV = {
  bootstrap: 'KAFKA_BOOTSTRAP_SERVERS',
  firehoseBootstrap: 'FIREHOSE_BOOTSTRAP',
  user: 'FIREHOSE_USER',
  config: 'FIREHOSE_CONFIG',
  keystorePassword: 'FIREHOSE_KEYSTORE_PASSWORD',
  saslPassword: 'FIREHOSE_SASL_PASSWORD',
  saslUsername: 'FIREHOSE_SASL_USERNAME',
  output: 'FIREHOSE_OUTPUT',
  viaCluster: 'FIREHOSE_VIA_CLUSTER',
  noColor: 'NO_COLOR',
} as const;

export type EnvSource = Record<string, string | undefined>;
