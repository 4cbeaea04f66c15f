
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'evidentia' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'evidentia'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'evidentia' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Hash files, trees, devices or standard input, or check a hash list')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;hash' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3; sha256 with --format hashdeep]')
            [CompletionResult]::new('--algo', '--algo', [CompletionResultType]::ParameterName, 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3; sha256 with --format hashdeep]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format [default: sums]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: sums]')
            [CompletionResult]::new('--piece', '--piece', [CompletionResultType]::ParameterName, 'Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M); needs JSON output')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Check the files named in a sums or hashdeep list (`-` for stdin)')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Check the files named in a sums or hashdeep list (`-` for stdin)')
            [CompletionResult]::new('--block-size', '--block-size', [CompletionResultType]::ParameterName, 'Read size [default: 2M]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Files hashed at once [default: number of CPUs]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;completions' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;man' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory to write evidentia.1 and one page per subcommand into')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;help' {
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Hash files, trees, devices or standard input, or check a hash list')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;help;hash' {
            break
        }
        'evidentia;help;completions' {
            break
        }
        'evidentia;help;man' {
            break
        }
        'evidentia;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
