import { Command } from '@commander-js/extra-typings';
import { UsageError } from '../../errors.js';
import { runtimeOf, withExamples } from '../action.js';
import { parsePositiveInt } from '../flags.js';

/** What the seed itself says about its key in Git, said where the key lands in a folder. */
export const KEY_IN_GIT_WARNING = 'The Secret with the private key is in the GitOps folder: a private key in Git is an anti-pattern (seed 002 says so too). --key-out FILE keeps it out of the folder; a SealedSecret or a vault keeps it out of Git altogether.';

export function certsCommand(): Command<any, any, any> {
  const command = new Command('certs')
    .description('Key and self-signed certificate for *.<domain> (the central Kafka\'s external listener, trusted by MirrorMaker2), as the two Secrets seed 002 makes with openssl | base64 | sed')
    .requiredOption('--domain <domain>', 'the router\'s wildcard domain: the certificate is for *.<domain>')
    .option('--days <n>', 'validity in days', '365')
    .option('--subject <dn>', 'subject (default: the seed\'s C=DE, OU=Manuela, CN=*.<domain>)')
    .option('--out <dir>', 'GitOps folder: write kafka-tls-certificate.yaml and kafka-tls-certificate-and-key.yaml here')
    .option('--key-out <file>', 'write the Secret with the private key to this file instead of --out (mode 0600)')
    .option('--cert-out <file>', 'also write the certificate as PEM (for --ca-file)')
    .option('--apply', 'apply both Secrets to the cluster (namespace -n) instead of, or as well as, writing files')
    .option('--dry-run', 'with --apply: the server validates, nothing is stored')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      if (options.out === undefined && options.keyOut === undefined && options.certOut === undefined && !options.apply) {
        throw new UsageError('Say where the certificate goes.', 'Give --out DIR (the GitOps folder), --key-out FILE, --cert-out FILE or --apply (the cluster).');
      }
      if (options.dryRun && !options.apply) throw new UsageError('--dry-run goes with --apply.');
      const days = parsePositiveInt(options.days, '--days');
      const { applyLinkSecrets, createLinkCertificate, linkSecrets, writeLinkFiles } = await import('../../edge/certs.js');
      const cert = await createLinkCertificate({ domain: options.domain, days, subject: options.subject });
      const cluster = options.apply ? await rt.cluster() : undefined;
      const user = options.apply ? (await rt.user()).number : undefined;
      const secrets = linkSecrets(cert, { namespace: cluster?.namespace, user });
      const files = await writeLinkFiles(cert, secrets, { out: options.out, keyOut: options.keyOut, certOut: options.certOut });
      const applied = cluster ? await applyLinkSecrets(cluster, secrets, Boolean(options.dryRun)) : [];
      const summary = { subject: cert.subject, dnsNames: cert.dnsNames, notAfter: cert.notAfter, fingerprint256: cert.fingerprint256, files, applied };
      if (rt.out.structured) return rt.out.data(summary);
      rt.out.line(`Certificate ${cert.subject} for ${cert.dnsNames.join(', ')}, valid until ${cert.notAfter} (SHA-256 ${cert.fingerprint256})`);
      for (const file of files) rt.out.line(`  wrote ${file.path}: ${file.holds}${file.secret ? ' (mode 0600)' : ''}`);
      for (const secret of applied) rt.out.line(`  secret/${secret.name} ${secret.action}${cluster ? ` in ${cluster.namespace}` : ''}`);
      if (options.out !== undefined && options.keyOut === undefined) rt.out.warn(KEY_IN_GIT_WARNING);
    });
  return withExamples(command, [
    'firehose certs --domain apps.cluster.example.com --out manuela-gitops/config/instances --key-out ~/secrets/kafka-tls-certificate-and-key.yaml',
    'firehose certs --domain apps.cluster.example.com --apply -n manuela-data-lake --cert-out central-ca.pem',
  ]);
}
