import { Command } from '@commander-js/extra-typings';
import type { EventSummary } from '../../events/cloudevent.js';
import { untilAborted } from '../../util/deadline.js';
import { runtimeOf, withExamples } from '../action.js';
import { parsePort } from '../flags.js';
import type { Runtime } from '../runtime.js';

function describeEvent(rt: Runtime, event: EventSummary): string[] {
  const lines = [`${rt.out.paint('gray', `[${event.attributes.id}]`)} POST:${event.data ?? ''}`];
  if (rt.out.verbose) for (const [name, value] of Object.entries(event.attributes)) lines.push(`  ${name}: ${value}`);
  return lines;
}

export function sinkCommand(): Command<any, any, any> {
  const serve = new Command('serve')
    .description('A local event-display: print every CloudEvent POSTed to it, optionally reply with one')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--reply-type <type>', 'answer each event with a CloudEvent of this type')
    .option('--reply-source <source>', 'source of the reply event', 'firehose/sink')
    .option('--reply-data <data>', 'data of the reply event (default: the received data)')
    .action(async (options, cmd) => {
      const rt = runtimeOf(cmd);
      const { startEventSink } = await import('../../events/sink-server.js');
      const reply = options.replyType ? { type: options.replyType, source: options.replySource, data: options.replyData } : undefined;
      const sink = await startEventSink(
        { port: parsePort(options.port, '--port'), portFlag: '--port', host: options.host, reply },
        (event) => {
          if (event.kind === 'rejected') return rt.out.warn(`rejected a request from ${event.remote}: ${event.reason}`);
          if (rt.out.structured) return rt.out.data({ ...event.event, reply: event.reply });
          for (const line of describeEvent(rt, event.event)) rt.out.line(line);
          if (event.reply) rt.out.line(rt.out.paint('gray', `  replied with ${event.reply.attributes.type} [${event.reply.attributes.id}]`));
        },
      );
      rt.out.info(`Listening on ${sink.url} (Ctrl-C to stop)`);
      await untilAborted(rt.signal);
      await sink.close();
    });
  const sink = new Command('sink').description('Local sinks for CloudEvents').addCommand(serve);
  withExamples(serve, ['firehose sink serve --port 8080', 'firehose sink serve --reply-type dev.nodeshift.samples.fromjs --reply-source nodeshift/samples/js-example-service']);
  return withExamples(sink, ['firehose sink serve']);
}
