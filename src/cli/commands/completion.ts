import { Command } from '@commander-js/extra-typings';
import { UsageError } from '../../errors.js';
import { runtimeOf, withExamples } from '../action.js';

interface CommandLike {
  name(): string;
  commands: readonly CommandLike[];
  options: readonly { long?: string; short?: string; hidden?: boolean }[];
  parent: CommandLike | null;
}

/** Commands added with `{ hidden: true }` (old names kept for a release) are not offered. */
function visible(command: CommandLike): CommandLike[] {
  return command.commands.filter((c) => !(c as { _hidden?: boolean })._hidden);
}

function flagsOf(command: CommandLike): string[] {
  return command.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
}

/** Every command path (e.g. "groups describe") with its subcommands and flags. */
function commandPaths(command: CommandLike, prefix: string[] = []): Array<{ path: string; words: string[] }> {
  const here = { path: prefix.join(' '), words: [...visible(command).map((c) => c.name()), ...flagsOf(command)] };
  return [here, ...visible(command).flatMap((c) => commandPaths(c, [...prefix, c.name()]))];
}

/** Command paths whose argument is a topic, or a group: completed with names the broker has. */
const TOPIC_ARGUMENT = ['consume', 'produce', 'spam', 'delete-topic', 'topics describe', 'demo commit', 'demo offsets', 'up'];
const GROUP_ARGUMENT = ['groups describe', 'groups reset-offsets', 'groups delete-offsets'];
/** Flags that say which Kafka to ask, passed on to `firehose __complete` with their values. */
const CONNECTION_FLAGS = ['-b', '--bootstrap', '--bootstrap-server', '--kafka-context', '--ca-file', '--cert-file', '--key-file', '--sasl-mechanism', '--sasl-username', '--context', '--namespace'];

export function bashCompletion(program: CommandLike): string {
  const globals = flagsOf(program).join(' ');
  const quoted = (paths: string[]) => paths.map((p) => `"${p}"`).join('|');
  const cases = commandPaths(program)
    .map(({ path, words }) => `    "${path}") words="${words.join(' ')} ${path ? globals : ''}" ;;`)
    .join('\n');
  return `# firehose bash completion: eval "$(firehose completion bash)"
_firehose() {
  local cur path="" word words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) if [[ -n "$(_firehose_words "\${path:+$path }$word")" ]]; then path="\${path:+$path }$word"; fi ;; esac
  done
  # Topic and group names come from the broker (\`firehose __complete\`, a short timeout).
  local prev="\${COMP_WORDS[COMP_CWORD-1]}" names=""
  case "$prev" in
    -t|--topic) names=topics ;;
    -g|--group) names=groups ;;
    -*) ;;
    *) if [[ $cur != -* ]]; then
         case "$path" in
           ${quoted(TOPIC_ARGUMENT)}) names=topics ;;
           ${quoted(GROUP_ARGUMENT)}) names=groups ;;
         esac
       fi ;;
  esac
  if [[ -n $names ]]; then
    COMPREPLY=( $(compgen -W "$(firehose __complete "$names" $(_firehose_connection) 2>/dev/null)" -- "$cur") )
    return
  fi
  COMPREPLY=( $(compgen -W "$(_firehose_words "$path")" -- "$cur") )
}
_firehose_connection() {
  local i
  for (( i = 1; i < COMP_CWORD; i++ )); do
    case "\${COMP_WORDS[i]}" in
      ${CONNECTION_FLAGS.join('|')}) printf '%s %s ' "\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}" ;;
    esac
  done
}
_firehose_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
complete -F _firehose firehose
`;
}

export function zshCompletion(program: CommandLike): string {
  return `#compdef firehose
# firehose zsh completion: eval "$(firehose completion zsh)"
autoload -U bashcompinit && bashcompinit
${bashCompletion(program)}`;
}

/**
 * `firehose __complete topics|groups` (hidden): the names the broker has, one per line, for
 * the completion script. Quick (2 s to connect unless --connect-timeout says otherwise) and
 * quiet: a broker that cannot be reached gives no names and no error.
 */
export function completeNamesCommand(): Command<any, any, any> {
  const command = new Command('__complete')
    .description('Print the topic or group names the broker has (for the completion script)')
    .argument('<kind>', 'topics or groups')
    .action(async (kind, _options, cmd) => {
      const rt = runtimeOf(cmd);
      if (kind !== 'topics' && kind !== 'groups') throw new UsageError(`__complete takes topics or groups, not "${kind}".`);
      // Completion must not hang a shell for the 10 s a command would try.
      if (rt.flags.connectTimeout === undefined) rt.flags.connectTimeout = '2s';
      const { kafkaNames } = await import('../../kafka/names.js');
      const names = await kafkaNames(await rt.kafka(), kind).catch(() => [] as string[]);
      for (const name of names) rt.out.line(name);
    });
  return withExamples(command, ['firehose __complete topics -b localhost:9092']);
}

export function completionCommand(): Command<any, any, any> {
  const command = new Command('completion')
    .description('Print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .action(async (shell, _options, cmd) => {
      const rt = runtimeOf(cmd);
      let program = cmd as unknown as CommandLike;
      while (program.parent) program = program.parent;
      if (shell === 'bash') return rt.out.line(bashCompletion(program));
      if (shell === 'zsh') return rt.out.line(zshCompletion(program));
      throw new UsageError(`completion supports bash and zsh, not "${shell}".`);
    });
  return withExamples(command, ['eval "$(firehose completion bash)"   # add to ~/.bashrc', 'eval "$(firehose completion zsh)"    # add to ~/.zshrc']);
}
