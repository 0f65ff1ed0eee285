import { Command } from '@commander-js/extra-typings';
import { UsageError } from '../../errors.js';
import { formatTable } from '../../ui/table.js';
import { collect, runtimeOf, withExamples } from '../action.js';
import { parseKeyValue } from '../flags.js';


export function renderCommand(): Command<any, any, any> {
  const command = new Command('render')
    .description('Print the workshop\'s Kubernetes manifests for your user number (no template: list the templates)')
    .argument('[template]', 'template name (run without one to list them)')
    .option('--set <key=value>', 'set a template key, repeatable (e.g. partitions=3, filter.type=my.type)', collect, [])
    .option('--api-version <Kind=group/version>', 'render Kind at this API version, repeatable (e.g. KafkaTopic=kafka.strimzi.io/v1)', collect, [])
    .option('--out <dir>', 'write <template>-<name>.yaml files into dir (created if missing) instead of printing')
    .action(async (template, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { getTemplate, listTemplates } = await import('../../templates/catalogue.js');
      const { parseApiVersionFlag, renderWithTemplates, toYaml, writeRendered } = await import('../../templates/render.js');
      const { TEMPLATE_SETS } = await import('../../templates/catalogue.js');
      if (!template) {
        if (options.set.length || options.apiVersion.length || options.out) {
          throw new UsageError('--set, --api-version and --out need a template.', 'Run `firehose render` to list the templates.');
        }
        const templates = listTemplates();
        if (rt.out.structured) return rt.out.data(templates);
        rt.out.line(formatTable(
          ['TEMPLATE', 'KIND', 'API VERSION', 'DESCRIPTION'],
          templates.map((t) => [t.name, t.kind, t.group ? `${t.group}/${t.defaultVersion}` : t.defaultVersion, t.description]),
        ));
        rt.out.line('');
        rt.out.line('Keys (--set key=value):');
        rt.out.line(formatTable(['TEMPLATE', 'KEYS'], templates.map((t) => [t.name, t.keys.join(', ')])));
        rt.out.line('');
        rt.out.line('Sets (several templates at once, with their seed\'s values; render --out writes one file each):');
        rt.out.line(formatTable(['SET', 'TEMPLATES', 'DESCRIPTION'], TEMPLATE_SETS.map((s) => [s.name, s.members.map((m) => m.template).join(', '), s.description])));
        return;
      }
      getTemplate(template); // a wrong name fails before the user number is asked for
      const values: Record<string, string> = {};
      for (const pair of options.set) {
        const [key, value] = parseKeyValue(pair, '--set');
        values[key] = value;
      }
      const apiVersions: Record<string, string> = {};
      for (const flag of options.apiVersion) {
        const [kind, apiVersion] = parseApiVersionFlag(flag);
        apiVersions[kind] = apiVersion;
      }
      const user = (await rt.user()).number;
      const rendered = await renderWithTemplates(template, { user, namespace: rt.flags.namespace, values, apiVersions });
      const objects = rendered.map((r) => r.object);
      if (options.out) {
        const written = await writeRendered(options.out, rendered);
        if (rt.out.structured) return rt.out.data({ written });
        for (const path of written) rt.out.line(`${rt.out.paint('green', '✓')} Wrote ${path}`);
        return;
      }
      // One object as is, several as a List: both are what `kubectl apply -f -` takes.
      if (rt.out.structured) return rt.out.data(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects });
      await rt.out.write(await toYaml(objects));
    });
  return withExamples(command, [
    'firehose render                                   # the templates and their keys',
    'firehose render kafka-topic --user 7 | kubectl apply -f -',
    'firehose render kafka-source --set initialOffset=earliest --namespace user7',
    'firehose render trigger --set filter.type=dev.nodeshift.samples.js-example --set subscriber=js-example-service',
    'firehose render kafka-topic --api-version KafkaTopic=kafka.strimzi.io/v1   # Strimzi 1.x',
    'firehose render sink --set maxScale=3 --out gitops/',
    'firehose render edge-factory --out manuela-gitops/config/templates/manuela/messaging-kafka   # seed 002\'s factory side',
  ]);
}
