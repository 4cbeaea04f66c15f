
use builtin;
use str;

set edit:completion:arg-completer[evidentia] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'evidentia'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'evidentia'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand hash 'Hash files, trees, devices or standard input, or check a hash list'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand man 'Write the man pages into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;hash'= {
            cand -a 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3; sha256 with --format hashdeep]'
            cand --algo 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3; sha256 with --format hashdeep]'
            cand -f 'Output format [default: sums]'
            cand --format 'Output format [default: sums]'
            cand --piece 'Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M); needs JSON output'
            cand -c 'Check the files named in a sums or hashdeep list (`-` for stdin)'
            cand --check 'Check the files named in a sums or hashdeep list (`-` for stdin)'
            cand --block-size 'Read size [default: 2M]'
            cand --threads 'Files hashed at once [default: number of CPUs]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;completions'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;man'= {
            cand --out 'Directory to write evidentia.1 and one page per subcommand into'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;help'= {
            cand hash 'Hash files, trees, devices or standard input, or check a hash list'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand man 'Write the man pages into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;help;hash'= {
        }
        &'evidentia;help;completions'= {
        }
        &'evidentia;help;man'= {
        }
        &'evidentia;help;help'= {
        }
    ]
    $completions[$command]
}
