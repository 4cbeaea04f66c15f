# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_evidentia_global_optspecs
    string join \n home= json q/quiet no-progress color= h/help V/version
end

function __fish_evidentia_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_evidentia_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_evidentia_using_subcommand
    set -l cmd (__fish_evidentia_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c evidentia -n "__fish_evidentia_needs_command" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_needs_command" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_needs_command" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_needs_command" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_needs_command" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_needs_command" -s V -l version -d 'Print version'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "hash" -d 'Hash files, trees, devices or standard input, or check a hash list'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "man" -d 'Write the man pages into a directory'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -s a -l algo -d 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3; sha256 with --format hashdeep]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -s f -l format -d 'Output format [default: sums]' -r -f -a "sums\t'`sha256sum`/`b3sum` lines for one algorithm; BSD tagged lines for several'
hashdeep\t'A HASHDEEP-1.0 file (md5, sha1, sha256) that `hashdeep -a -k` audits against'
json\t'JSON Lines, one record per entry (the same as --json)'"
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l piece -d 'Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M); needs JSON output' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -s c -l check -d 'Check the files named in a sums or hashdeep list (`-` for stdin)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l block-size -d 'Read size [default: 2M]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l threads -d 'Files hashed at once [default: number of CPUs]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand completions" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand completions" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand completions" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand man" -l out -d 'Directory to write evidentia.1 and one page per subcommand into' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand man" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand man" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand man" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand man" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand man" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash completions man help" -f -a "hash" -d 'Hash files, trees, devices or standard input, or check a hash list'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash completions man help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash completions man help" -f -a "man" -d 'Write the man pages into a directory'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
