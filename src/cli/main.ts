import { CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { EXIT_FAILURE, EXIT_USAGE, isFirehoseError } from '../errors.js';
import { attachIO, existingRuntime } from './action.js';
import { programFor } from './program.js';
import type { RuntimeIO } from './runtime.js';
import { renderDocument, type OutputFormat } from '../ui/output.js';

export const EXIT_INTERRUPTED = 130;

function writeError(io: RuntimeIO, format: OutputFormat, verbose: boolean, error: unknown): number {
  if (isFirehoseError(error)) {
    if (format === 'json' || format === 'yaml') {
      io.stderr.write(renderDocument({ error: { code: error.code, message: error.message, hint: error.hint } }, format, true));
    } else {
      io.stderr.write(`error: ${error.message}\n`);
      if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
    }
    if (verbose && error.cause) io.stderr.write(`${(error.cause as Error).stack ?? String(error.cause)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: internal error: ${message}\n`);
  io.stderr.write(verbose ? `${(error as Error).stack}\n` : 'hint: run again with --verbose for the stack trace, and please report it.\n');
  return EXIT_FAILURE;
}

function isPromptInterrupt(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

/** Runs firehose with `argv` (without node and script); returns the exit code. Never exits. */
export async function run(argv: string[], io: RuntimeIO): Promise<number> {
  const program = await programFor(argv);
  attachIO(program, { ...io, argv });
  // addCommand() passes none of these on, so set them on every command: otherwise a usage
  // error in a subcommand (`firehose spam --bogus`) calls process.exit(1) and writes to the
  // real stderr instead of returning 2 through here.
  const configure = (command: CommandUnknownOpts): void => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
    if (command !== program) command.showHelpAfterError('(run with --help for usage)');
    // A group with a default subcommand (`groups` is `groups list`) would hand a mistyped
    // subcommand to the default one as an argument ("too many arguments for 'list'"): say it
    // is an unknown command instead, with commander's "did you mean".
    if (command.commands.length > 0) {
      command.hook('preSubcommand', (group, sub) => {
        const first = group.args[0];
        if (first === undefined || first.startsWith('-') || first === sub.name() || sub.aliases().includes(first) || sub.registeredArguments.length > 0) return;
        (group as unknown as { unknownCommand(): void }).unknownCommand();
      });
    }
    for (const sub of command.commands) configure(sub);
  };
  configure(program as unknown as CommandUnknownOpts);
  const verbose = argv.includes('--verbose');
  // The format errors are written in, should the run fail before its runtime exists.
  const given = /(?:^| )(?:-o|--output)[ =](json|yaml)(?: |$)/.exec(argv.join(' '))?.[1] as OutputFormat | undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return io.signal.aborted ? EXIT_INTERRUPTED : 0;
  } catch (error) {
    // Ctrl-C at a question (user number, init, a password): inquirer ends the prompt with
    // ExitPromptError, or AbortPromptError when the signal aborted it. A clean stop.
    if (isPromptInterrupt(error)) {
      io.stderr.write('\n');
      return EXIT_INTERRUPTED;
    }
    if (error instanceof CommanderError) {
      // commander already printed its message (or the help/version text).
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      if (error.code === 'commander.executeSubCommandAsync') return error.exitCode;
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const runtime = existingRuntime(program);
    return writeError(io, runtime?.out.format ?? given ?? 'text', runtime?.out.verbose ?? verbose, error);
  } finally {
    await existingRuntime(program)?.close();
  }
}

/** The process entry point: wires Ctrl-C to an AbortSignal and sets the exit code. */
export async function main(): Promise<void> {
  // `firehose consume | head` closes our stdout early: that is a normal end, not a crash.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  // A connection that fails with requests in flight rejects promises nobody awaits any more
  // once the failure was reported; that must not turn a clean error into a crash.
  process.on('unhandledRejection', (reason) => {
    if (process.argv.includes('--verbose')) process.stderr.write(`(ignored after shutdown) ${String(reason)}\n`);
  });
  // The AWS SDK (the lake's S3) warns on Node 20 that its releases after January 2027 will
  // need Node 22; firehose pins a release that runs on Node 20, so that notice is not the user's.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await run(process.argv.slice(2), {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    relaunch: [process.execPath, ...process.execArgv, ...process.argv.slice(1, 2)],
  });
  process.exitCode = code;
  // Sockets or timers left behind must not keep a finished command alive.
  setTimeout(() => process.exit(code), 2000).unref();
}
