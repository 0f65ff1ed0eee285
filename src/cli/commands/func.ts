import { Argument, Command } from '@commander-js/extra-typings';
import { parseDuration } from '../../config/duration.js';
import { FirehoseError } from '../../errors.js';
import { runtimeOf, withExamples } from '../action.js';
import { parseDryRun, reportApplied, withDryRunOption } from '../apply-template.js';
import { parsePort } from '../flags.js';
import { withSpinner } from '../../ui/spinner.js';

export function funcCommand(): Command<any, any, any> {
  const create = new Command('create')
    .description('Scaffold a working function in a folder: seed 003\'s JavaScript function or its WebAssembly add module, with a test and its Trigger')
    .addArgument(new Argument('<kind>', 'js (JavaScript) or wasm (a WebAssembly module and its adapter)').choices(['js', 'wasm']))
    .argument('<name>', 'the function\'s name (its Service, Deployment and Trigger)')
    .option('--dir <dir>', 'folder to create (default: ./<name>)')
    .action(async (kind, name, options, cmd) => {
      const rt = runtimeOf(cmd);
      const { createFunction } = await import('../../functions/scaffold.js');
      const created = await createFunction(kind, name, options.dir ?? name);
      if (rt.out.structured) return rt.out.data(created);
      rt.out.line(`Created ${created.kind} function ${created.name} in ${created.dir}: ${created.files.join(', ')}`);
      rt.out.info(`Test it: (cd ${created.dir} && npm test). Serve it: firehose func run ${created.dir}. On the cluster: firehose func deploy ${created.dir}`);
    });
  const run = new Command('run')
    .description('Serve one function as a CloudEvents receiver (binary and structured, 0.3 and 1.0), logging each request; Ctrl-C stops it')
    .argument('<path>', 'the function\'s folder (or a .js file)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--timeout <duration>', 'answer 504 when the function has not returned after this long', '30s')
    .action(async (path, options, cmd) => {
      const rt = runtimeOf(cmd);
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const port = parsePort(options.port, '--port');
      const { startFunctionProcess } = await import('../../functions/runtime-process.js');
      const fn = await startFunctionProcess({
        path,
        port,
        portFlag: '--port',
        host: options.host,
        timeoutMs,
        env: rt.env,
        onLine: (line, stream) => (rt.out.structured ? rt.out.data({ stream, line }) : rt.out.line(line)),
      });
      if (rt.out.structured) rt.out.data({ event: 'listening', url: fn.url, pid: fn.pid });
      else rt.out.info(`Serving ${path} on ${fn.url} (Ctrl-C to stop); try: firehose send ${fn.url} --type t --source s --data '{"a":8,"b":10}'`);
      const aborted = new Promise<'aborted'>((resolve) => {
        if (rt.signal.aborted) resolve('aborted');
        rt.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      });
      const outcome = await Promise.race([aborted, fn.exited]);
      await fn.stop();
      if (outcome !== 'aborted') {
        const how = outcome.code === null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
        throw new FirehoseError('FUNCTION_STOPPED', `The function runtime ${how}.`, { hint: 'Its last lines above say why.' });
      }
    });
  const deploy = withDryRunOption(new Command('deploy')
    .description('Run a function on the cluster with no image build: its files and the runtime in a ConfigMap, a stock Node image running them (Deployment + Service, or a Knative Service), and its trigger.yaml')
    .argument('<path>', 'the function\'s folder (top-level files are shipped; dot-files and folders are not)')
    .option('--name <name>', 'name of its Service, Deployment and Trigger (default: the folder\'s name)')
    .option('--image <image>', 'container image with node to run the runtime in', 'node:20-alpine')
    .option('--runtime <file>', 'the function runtime file to ship (default: firehose\'s own)')
    .option('--knative', 'a Knative Service (scale to zero) instead of a Deployment and a Service')
    .option('--no-trigger', 'do not apply the folder\'s trigger.yaml'))
    .action(async (path, options, cmd) => {
      const rt = runtimeOf(cmd);
      const dryRun = parseDryRun((options as { dryRun?: boolean | string }).dryRun);
      const { deployFunction, renderFunction } = await import('../../functions/deploy.js');
      const deployOptions = { path, name: options.name, user: (await rt.user()).number, image: options.image, runtime: options.runtime, knative: Boolean(options.knative), trigger: options.trigger, dryRun: dryRun === 'server', signal: rt.signal };
      if (dryRun === 'client') {
        const rendered = await renderFunction(deployOptions);
        for (const s of rendered.skipped) rt.out.info(`skipped ${s.file}: ${s.reason}`);
        if (rt.out.structured) return rt.out.data({ apiVersion: 'v1', kind: 'List', items: rendered.objects }, rendered.objects);
        const { toYaml } = await import('../../templates/render.js');
        return rt.out.write(await toYaml(rendered.objects as never));
      }
      const cluster = await rt.cluster();
      const deployed = await withSpinner(rt.out, `Deploying function ${options.name ?? path} in ${cluster.namespace}`, () => deployFunction(cluster, deployOptions));
      for (const s of deployed.skipped) rt.out.info(`skipped ${s.file}: ${s.reason}`);
      for (const o of deployed.removed) rt.out.info(`deleted ${o.kind} ${o.name} (${o.apiVersion}): the function runs ${deployOptions.knative ? 'as a Knative Service' : 'in a Deployment'} now`);
      await reportApplied(rt, deployed.results, cluster.namespace, dryRun === 'server');
    });
  const func = new Command('func')
    .description('Functions (seed 003): scaffold, serve and deploy JavaScript and WebAssembly functions, no image build')
    .addCommand(create)
    .addCommand(run)
    .addCommand(deploy);
  withExamples(create, ['firehose func create js js-example-service', 'firehose func create wasm wasm-example-service --dir fns/wasm']);
  withExamples(run, ['firehose func run ./js-example-service --port 8081', 'firehose func run examples/functions/wasm-example-service --timeout 5s']);
  withExamples(deploy, ['firehose func deploy ./js-example-service', 'firehose func deploy examples/functions/wasm-example-service --knative', 'firehose func deploy ./my-fn --name my-function --no-trigger --dry-run=client']);
  return withExamples(func, ['firehose func create js js-example-service && firehose func run js-example-service']);
}
