import type { Command } from '@commander-js/extra-typings';
import { Runtime, type GlobalFlags, type RuntimeIO } from './runtime.js';

const ioByProgram = new WeakMap<object, RuntimeIO>();
const runtimes = new WeakMap<object, Runtime>();

function root(command: { parent: unknown }): object {
  let current = command as { parent: unknown };
  while (current.parent) current = current.parent as { parent: unknown };
  return current;
}

export function attachIO(program: object, io: RuntimeIO): void {
  ioByProgram.set(program, io);
}

/** The Runtime for the command being run (one per invocation, closed by run()). */
export function runtimeOf(command: { parent: unknown; optsWithGlobals(): unknown }): Runtime {
  const program = root(command);
  const io = ioByProgram.get(program);
  if (!io) throw new Error('internal: program has no IO attached');
  let runtime = runtimes.get(program);
  if (!runtime) {
    runtime = new Runtime(command.optsWithGlobals() as GlobalFlags, io);
    runtimes.set(program, runtime);
  }
  return runtime;
}

export function existingRuntime(program: object): Runtime | undefined {
  return runtimes.get(program);
}

/** Adds "Examples:" to a command's --help. */
export function withExamples<C extends Command<never, never, never> | Command<any, any, any>>(command: C, examples: string[]): C {
  command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  return command;
}

/** commander's accumulator for repeatable options (`--header a=1 --header b=2`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `-t, --topic <topic>` on a command that takes a [topic] argument: kcat's and the console tools' way to name it. */
export function withTopicOption<C extends Command<any, any, any>>(command: C): C {
  command.option('-t, --topic <topic>', 'the topic, as kcat -t and the console tools take it (same as the argument)');
  return command;
}
