/** Every environment variable firehose reads, in one place. */
export const ENV = {
  bootstrap: 'KAFKA_BOOTSTRAP_SERVERS',
  firehoseBootstrap: 'FIREHOSE_BOOTSTRAP',
  user: 'FIREHOSE_USER',
  config: 'FIREHOSE_CONFIG',
  keystorePassword: 'FIREHOSE_KEYSTORE_PASSWORD',
  saslPassword: 'FIREHOSE_SASL_PASSWORD',
  saslUsername: 'FIREHOSE_SASL_USERNAME',
  /** SASL OAUTHBEARER: a bearer token to present as it is (else one from --oauth-token-endpoint). */
  oauthToken: 'FIREHOSE_OAUTH_TOKEN',
  /** SASL OAUTHBEARER: the OAuth 2 token endpoint for the client-credentials grant (as --oauth-token-endpoint). */
  oauthTokenEndpoint: 'FIREHOSE_OAUTH_TOKEN_ENDPOINT',
  /** The MQTT broker's password for --mqtt-username (bridge, sensors). */
  mqttPassword: 'FIREHOSE_MQTT_PASSWORD',
  /** The data lake's S3 keys and region, named as the AWS tools and the seed name them. */
  awsAccessKeyId: 'AWS_ACCESS_KEY_ID',
  awsSecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  awsSessionToken: 'AWS_SESSION_TOKEN',
  awsRegion: 'AWS_REGION',
  output: 'FIREHOSE_OUTPUT',
  viaCluster: 'FIREHOSE_VIA_CLUSTER',
  /** The named Kafka context to use (as --kafka-context). */
  kafkaContext: 'FIREHOSE_KAFKA_CONTEXT',
  noColor: 'NO_COLOR',
  /** `firehose send`'s URL when none is given (the local or cluster Knative broker's ingress). */
  brokerUrl: 'FIREHOSE_BROKER_URL',
  /** Set by `up --detach` for the lab it starts: the state file to write, and where its output goes. */
  upState: 'FIREHOSE_UP_STATE',
  upLog: 'FIREHOSE_UP_LOG',
  /** Set by CI systems: never prompt. */
  ci: 'CI',
  home: 'HOME',
  kubeconfig: 'KUBECONFIG',
  xdgConfigHome: 'XDG_CONFIG_HOME',
  xdgStateHome: 'XDG_STATE_HOME',
  /** Not read but set: what a local sink worker's command sees, as Knative sets them in a pod. */
  kService: 'K_SERVICE',
  kRevision: 'K_REVISION',
  hostname: 'HOSTNAME',
} as const;

export type EnvSource = Record<string, string | undefined>;
