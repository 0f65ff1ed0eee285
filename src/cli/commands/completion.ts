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

export function bashCompletion(program: CommandLike): string {
  const globals = flagsOf(program).join(' ');
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
  COMPREPLY=( $(compgen -W "$(_firehose_words "$path")" -- "$cur") )
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
