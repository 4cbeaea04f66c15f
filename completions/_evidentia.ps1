
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
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Hash files, trees, devices, standard input or an E01 set''s media, or check a hash list')
            [CompletionResult]::new('acquire', 'acquire', [CompletionResultType]::ParameterValue, 'Image a device, image file, E01 set or stream with on-the-fly hashing')
            [CompletionResult]::new('capture', 'capture', [CompletionResultType]::ParameterValue, 'Capture traffic data (live or from a pcap) into signed, hash-chained segments')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Package evidence into a bundle (BagIt 1.0 in a zip, with a custody seal)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a bundle completely: exit 0 only if everything holds')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write a custody and integrity report (HTML, Markdown, JSON, CASE/UCO JSON-LD)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Disclose some files of a bundle, each proven as sealed, the rest hidden')
            [CompletionResult]::new('custody', 'custody', [CompletionResultType]::ParameterValue, 'Add signed custody events to a bundle, or show its custody chain')
            [CompletionResult]::new('receive', 'receive', [CompletionResultType]::ParameterValue, 'Verify a bundle transferred to you, then sign its receipt')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Finish an interrupted append: restore the bundle''s original bytes')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a bundle for the receiving examiner or lab (age; FILE.age)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt an encrypted bundle with your key (exit 1 if it was altered)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make, list, show, export, certify and import keys; keep other parties'' certificates')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Manage the trust store: agency root keys and single keys')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a file into FILE.minisig, or verify one (--verify)')
            [CompletionResult]::new('hashset', 'hashset', [CompletionResultType]::ParameterValue, 'Import and list known-hash sets (NSRL RDS v3, hashdeep, sums lists)')
            [CompletionResult]::new('ingest', 'ingest', [CompletionResultType]::ParameterValue, 'Verify bundles and record them in the evidence locker')
            [CompletionResult]::new('locker', 'locker', [CompletionResultType]::ParameterValue, 'Query the evidence locker: list, show, find, audit, verify')
            [CompletionResult]::new('match', 'match', [CompletionResultType]::ParameterValue, 'Match files against known-hash sets (exit 1 on a known-bad match)')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole flow on the embedded sample image in a fresh directory')
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
            [CompletionResult]::new('--relative', '--relative', [CompletionResultType]::ParameterName, 'With --format hashdeep: write paths as given instead of absolute (like `hashdeep -l`)')
            [CompletionResult]::new('--media', '--media', [CompletionResultType]::ParameterName, 'Hash the media data of an E01 set (give its first segment, NAME.E01), checking every chunk and the stored MD5/SHA-1; writes nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;acquire' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'New directory for the image, map, record and log (must not exist)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'New directory for the image, map, record and log (must not exist)')
            [CompletionResult]::new('--case', '--case', [CompletionResultType]::ParameterName, 'Case identifier, for the record')
            [CompletionResult]::new('--item', '--item', [CompletionResultType]::ParameterName, 'Evidence item identifier, for the record')
            [CompletionResult]::new('--examiner', '--examiner', [CompletionResultType]::ParameterName, 'Examiner''s name, for the record')
            [CompletionResult]::new('--notes', '--notes', [CompletionResultType]::ParameterName, 'Free-text notes, for the record')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3]')
            [CompletionResult]::new('--algo', '--algo', [CompletionResultType]::ParameterName, 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3]')
            [CompletionResult]::new('--piece', '--piece', [CompletionResultType]::ParameterName, 'Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M)')
            [CompletionResult]::new('--split', '--split', [CompletionResultType]::ParameterName, 'Split the image into segments image.000, image.001, ... of SIZE bytes')
            [CompletionResult]::new('--block-size', '--block-size', [CompletionResultType]::ParameterName, 'Read size, a multiple of 4K [default: 2M]')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Extra attempts for each sector that fails [default: 3]')
            [CompletionResult]::new('--seal', '--seal', [CompletionResultType]::ParameterName, 'Then seal the acquisition directory into this signed bundle (needs --case; the same as `evidentia seal DIR`)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Signing key for --seal [default: the only examiner key]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the signing key''s passphrase from the first line of FILE')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Re-read the image (and a device or file source) and compare hashes')
            [CompletionResult]::new('--keep-original', '--keep-original', [CompletionResultType]::ParameterName, 'For an E01 source: also copy its segment files, byte for byte, beside the record, and read the set from the copies (so the copies are the bytes checked)')
            [CompletionResult]::new('--no-image', '--no-image', [CompletionResultType]::ParameterName, 'For an E01 source: copy its segment files beside the record and check them, but write no raw image')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;capture' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'New directory for the segments and records (must not exist)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'New directory for the segments and records (must not exist)')
            [CompletionResult]::new('--case', '--case', [CompletionResultType]::ParameterName, 'Case reference (required here or as case_reference in --meta)')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'BPF filter expression: the legal scope ("specified communications"), compiled by libpcap and recorded verbatim')
            [CompletionResult]::new('--rotate', '--rotate', [CompletionResultType]::ParameterName, 'Close a segment and open the next every DURATION (30s, 15min, 1h, 1d) or before it grows past SIZE (64M, 1G)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'End the capture after DURATION (the packets'' own times for a file)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'End the capture after N packets')
            [CompletionResult]::new('--content', '--content', [CompletionResultType]::ParameterName, 'What each packet keeps')
            [CompletionResult]::new('--snaplen', '--snaplen', [CompletionResultType]::ParameterName, 'Bytes captured per packet [default: 512 with headers, 262144 with full]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Signing key id or unique hex prefix [default: the only examiner key]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the signing key''s passphrase from the first line of FILE')
            [CompletionResult]::new('--meta', '--meta', [CompletionResultType]::ParameterName, 'Case and legal metadata (JSON or TOML; see docs/formats/manifest.md); copied into DIR, its SHA-256 in every record')
            [CompletionResult]::new('--seal', '--seal', [CompletionResultType]::ParameterName, 'Then seal the capture directory into this signed bundle')
            [CompletionResult]::new('--buffer', '--buffer', [CompletionResultType]::ParameterName, 'Kernel capture buffer [default: 64M]')
            [CompletionResult]::new('--recover', '--recover', [CompletionResultType]::ParameterName, 'Close the capture in DIR whose process died (power cut, kill -9): the open segment is cut to its last whole packet and signed as recovered')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--no-promisc', '--no-promisc', [CompletionResultType]::ParameterName, 'Do not put the interface in promiscuous mode')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;seal' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The bundle file to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named BUNDLE.zip.age')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The bundle file to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named BUNDLE.zip.age')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Encrypt the bundle as it is written for this recipient (repeatable): a certificate or public key file of the receiving examiner or lab, a key id, or an age1... recipient. The plaintext bundle never touches the disk')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory for --to [default: HOME/trust]')
            [CompletionResult]::new('--case', '--case', [CompletionResultType]::ParameterName, 'Case reference (required here or in --meta)')
            [CompletionResult]::new('--item', '--item', [CompletionResultType]::ParameterName, 'Item or exhibit item number (repeatable)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'Description of the evidence')
            [CompletionResult]::new('--meta', '--meta', [CompletionResultType]::ParameterName, 'Case and legal metadata, a JSON or TOML file (see docs/formats/manifest.md); unknown keys are an error. Flags override the file')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Extra BagIt manifests, comma-separated: sha512, sha1, md5 (sha256 and BLAKE3 are always computed)')
            [CompletionResult]::new('--algo', '--algo', [CompletionResultType]::ParameterName, 'Extra BagIt manifests, comma-separated: sha512, sha1, md5 (sha256 and BLAKE3 are always computed)')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Entry compression [default: stored]')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'Sealing time (RFC 3339), for reproducible output [default: now]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Signing key id or unique hex prefix [default: the only examiner key]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the signing key''s passphrase from the first line of FILE')
            [CompletionResult]::new('--piece', '--piece', [CompletionResultType]::ParameterName, 'Window size of the piecewise hashes in manifest.json (a power of two, at least 4K)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--to-untrusted', '--to-untrusted', [CompletionResultType]::ParameterName, 'Accept --to recipients that no root in the trust store vouches for (warned loudly)')
            [CompletionResult]::new('--allow-unreadable', '--allow-unreadable', [CompletionResultType]::ParameterName, 'Record files that cannot be opened instead of stopping')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;verify' {
            [CompletionResult]::new('--expect-head', '--expect-head', [CompletionResultType]::ParameterName, 'The custody head (hex SHA-256) the sender announced; detects a chain whose tail was cut off')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase of the decrypting key from the first line of FILE')
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
        'evidentia;report' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of standard output')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the report to FILE instead of standard output')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--expect-head', '--expect-head', [CompletionResultType]::ParameterName, 'The custody head (hex SHA-256) the sender announced; without it the report says the head was not compared')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase of the decrypting key from the first line of FILE')
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
        'evidentia;export' {
            [CompletionResult]::new('--select', '--select', [CompletionResultType]::ParameterName, 'Disclose the files whose bag path below data/ matches PATTERN (repeatable): * and ? do not cross /, ** does ("mail/*.eml", "**/*.pdf"). Each pattern must select a file')
            [CompletionResult]::new('--files-from', '--files-from', [CompletionResultType]::ParameterName, 'Disclose the files listed in LIST (- for standard input), one bag path per line, relative to data/ or with its data/ prefix; each must name a file')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The derived bundle to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named SUB.zip.age')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The derived bundle to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named SUB.zip.age')
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'Why the files are disclosed (the request they answer); signed into the derived bundle and the export event')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Encrypt the derived bundle as it is written for this recipient (repeatable), as `seal --to` does')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'Export time (RFC 3339), for reproducible output [default: now]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Signing key id or unique hex prefix [default: the only examiner key]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase of the signing key (and of the keys that decrypt an encrypted original) from the first line of FILE')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--to-untrusted', '--to-untrusted', [CompletionResultType]::ParameterName, 'Accept --to recipients that no root in the trust store vouches for (warned loudly)')
            [CompletionResult]::new('--no-record', '--no-record', [CompletionResultType]::ParameterName, 'Do not append an export event to the original (required when it cannot be written to: read-only media, an encrypted original); the derived bundle then says the export was not recorded at the source')
            [CompletionResult]::new('--reveal-manifest', '--reveal-manifest', [CompletionResultType]::ParameterName, 'For an original sealed without a disclosure commitment (manifest v1/v2): send its whole manifest.json and tag manifest along instead of proofs, which names, hashes and sizes every withheld file too')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;custody' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Verify the bundle, then sign and append a custody event')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the custody chain as a timeline, with signatures and the head')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;custody;add' {
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'transfer, receive, access, copy, verify, return, dispose or note')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The recipient of a transfer: "NAME, ORG, CC" (CC an ISO 3166 code)')
            [CompletionResult]::new('--to-key', '--to-key', [CompletionResultType]::ParameterName, 'The recipient of a transfer by key id')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Where the action took place')
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'Why (the purpose of the action)')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A free-text note')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Signing key id or unique hex prefix [default: the only examiner key]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the signing key''s passphrase from the first line of FILE')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'The claimed time of the event (RFC 3339) [default: now]')
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
        'evidentia;custody;show' {
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase of the decrypting key from the first line of FILE')
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
        'evidentia;custody;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Verify the bundle, then sign and append a custody event')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the custody chain as a timeline, with signatures and the head')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;custody;help;add' {
            break
        }
        'evidentia;custody;help;show' {
            break
        }
        'evidentia;custody;help;help' {
            break
        }
        'evidentia;receive' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'For an encrypted bundle: decrypt it (with any of your keys) into this new file, which gets the receive event; the encrypted file stays as it arrived')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'For an encrypted bundle: decrypt it (with any of your keys) into this new file, which gets the receive event; the encrypted file stays as it arrived')
            [CompletionResult]::new('--location', '--location', [CompletionResultType]::ParameterName, 'Where the action took place')
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'Why (the purpose of the action)')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A free-text note')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Signing key id or unique hex prefix [default: the only examiner key]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the signing key''s passphrase from the first line of FILE')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'The claimed time of the event (RFC 3339) [default: now]')
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
        'evidentia;repair' {
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
        'evidentia;encrypt' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Who may read it (repeatable): the receiving examiner''s certificate (from `key certify`) or public key file, the id of a key you hold or a certificate you imported, or a bare age1... recipient')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The encrypted file to create [default: FILE.age]. Never overwritten')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The encrypted file to create [default: FILE.age]. Never overwritten')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--to-untrusted', '--to-untrusted', [CompletionResultType]::ParameterName, 'Accept a certificate or public key file that no root in your trust store vouches for (only after confirming its fingerprint out of band)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;decrypt' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The decrypted file to create [default: FILE without .age]. Never overwritten')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The decrypted file to create [default: FILE without .age]. Never overwritten')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Decrypt with this key only (id or unique hex prefix) [default: every key of yours with an encryption recipient]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of FILE')
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
        'evidentia;key' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List own keys, and other parties'' certificates kept by `key import`')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one key (default: the only key)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity')
            [CompletionResult]::new('certify', 'certify', [CompletionResultType]::ParameterValue, 'Certify an examiner''s public key with an agency root key (certificate to stdout)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Store a certificate: for one of your own keys (from `key certify`), or keep another party''s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party''s signatures')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take away another party''s certificate kept by `key import` (never one of your own keys)')
            [CompletionResult]::new('add-recipient', 'add-recipient', [CompletionResultType]::ParameterValue, 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;key;new' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of the person or service')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Organisation')
            [CompletionResult]::new('--country', '--country', [CompletionResultType]::ParameterName, 'ISO 3166-1 alpha-2 country code (e.g. CZ, DE)')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Contact e-mail')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Role (e.g. examiner)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of FILE')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Make an agency root key (certifies examiner keys; keep it offline)')
            [CompletionResult]::new('--no-encrypt', '--no-encrypt', [CompletionResultType]::ParameterName, 'Store the secret key unencrypted (not recommended)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;key;list' {
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
        'evidentia;key;show' {
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
        'evidentia;key;export' {
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of FILE (--age-identity)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--pem', '--pem', [CompletionResultType]::ParameterName, 'A standard SPKI PEM public key (`openssl pkey -pubin`)')
            [CompletionResult]::new('--minisign', '--minisign', [CompletionResultType]::ParameterName, 'A minisign public key file (`minisign -V -p FILE`)')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'The age encryption recipient (`age1...`, for `age -r`), one line')
            [CompletionResult]::new('--age-identity', '--age-identity', [CompletionResultType]::ParameterName, 'The SECRET age identity (`AGE-SECRET-KEY-1...`, for `age -d -i`), after the passphrase; anyone holding it reads what is encrypted to you')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;key;certify' {
            [CompletionResult]::new('--with', '--with', [CompletionResultType]::ParameterName, 'The root key''s id or unique hex prefix')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Role to certify [default: the role in the public key file]')
            [CompletionResult]::new('--valid-from', '--valid-from', [CompletionResultType]::ParameterName, 'Start of validity: RFC 3339 or YYYY-MM-DD [default: now]')
            [CompletionResult]::new('--valid-until', '--valid-until', [CompletionResultType]::ParameterName, 'End of validity: RFC 3339 or YYYY-MM-DD [default: one year after the start]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of FILE')
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
        'evidentia;key;import' {
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
        'evidentia;key;remove' {
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
        'evidentia;key;add-recipient' {
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of FILE')
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
        'evidentia;key;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List own keys, and other parties'' certificates kept by `key import`')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one key (default: the only key)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity')
            [CompletionResult]::new('certify', 'certify', [CompletionResultType]::ParameterValue, 'Certify an examiner''s public key with an agency root key (certificate to stdout)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Store a certificate: for one of your own keys (from `key certify`), or keep another party''s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party''s signatures')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take away another party''s certificate kept by `key import` (never one of your own keys)')
            [CompletionResult]::new('add-recipient', 'add-recipient', [CompletionResultType]::ParameterValue, 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;key;help;new' {
            break
        }
        'evidentia;key;help;list' {
            break
        }
        'evidentia;key;help;show' {
            break
        }
        'evidentia;key;help;export' {
            break
        }
        'evidentia;key;help;certify' {
            break
        }
        'evidentia;key;help;import' {
            break
        }
        'evidentia;key;help;remove' {
            break
        }
        'evidentia;key;help;add-recipient' {
            break
        }
        'evidentia;key;help;help' {
            break
        }
        'evidentia;trust' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List trusted keys')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop trusting a key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;trust;add' {
            [CompletionResult]::new('--may-certify', '--may-certify', [CompletionResultType]::ParameterName, 'Also let the root certify staff of ORG in country CC (repeatable; by default a root may certify only its own organisation and country)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Trust it as an agency root (implied by a root''s evidentia public key file)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;trust;list' {
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
        'evidentia;trust;remove' {
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
        'evidentia;trust;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List trusted keys')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop trusting a key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;trust;help;add' {
            break
        }
        'evidentia;trust;help;list' {
            break
        }
        'evidentia;trust;help;remove' {
            break
        }
        'evidentia;trust;help;help' {
            break
        }
        'evidentia;sign' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Signing key id or unique hex prefix [default: the only examiner key]')
            [CompletionResult]::new('--comment', '--comment', [CompletionResultType]::ParameterName, 'Text added to the trusted comment (covered by the signature)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of FILE')
            [CompletionResult]::new('--sig', '--sig', [CompletionResultType]::ParameterName, 'The signature file [default: FILE.minisig]')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'A certificate of the signing key (a bundle such as FILE.cert from `sign --with-cert` or `key certify`, or a .cert.json with its .minisig beside it); it counts only through a root in the trust store (repeatable)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--with-cert', '--with-cert', [CompletionResultType]::ParameterName, 'Also write the signing key''s certificate bundle as FILE.cert, to send with FILE and FILE.minisig (the key must have an imported certificate)')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Verify FILE against its signature instead of signing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;hashset' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import an NSRL RDS v3 database, a hashdeep file or a sums list')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the hash sets in the locker')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;hashset;import' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What a match means')
            [CompletionResult]::new('--algo', '--algo', [CompletionResultType]::ParameterName, 'Algorithm of bare 64-hex-digit lines in a sums list [default: sha256]')
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;hashset;list' {
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;hashset;help' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import an NSRL RDS v3 database, a hashdeep file or a sums list')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the hash sets in the locker')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;hashset;help;import' {
            break
        }
        'evidentia;hashset;help;list' {
            break
        }
        'evidentia;hashset;help;help' {
            break
        }
        'evidentia;ingest' {
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Keep a copy of each bundle in this content-addressed store (DIR/sha256/ab/abcd....zip; an encrypted bundle also as it arrived, DIR/sha256/cd/cdef....zip.age)')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Sign and append a receive event with this key before recording the bundle, as `evidentia receive` does (the bundle file is changed)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase of the signing key (and of the keys that decrypt an encrypted bundle) from the first line of FILE')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--quarantine', '--quarantine', [CompletionResultType]::ParameterName, 'Record a bundle that fails verification as quarantined, with its reasons, instead of refusing it (still exit 1)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;locker' {
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the bundles with case, items and status')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one bundle (by bundle id) or every bundle of a case')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Find files across all bundles by hash or by name (exit 1 when none)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit log (who ingested what, when, from where)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;locker;list' {
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;locker;show' {
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;locker;find' {
            [CompletionResult]::new('--hash', '--hash', [CompletionResultType]::ParameterName, 'A digest in hex, either case (length picks the algorithm; 64 digits searches SHA-256 and BLAKE3)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A path pattern: a glob with * and ?, or an SQL LIKE pattern (% and _) when it holds no * or ?')
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;locker;audit' {
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;locker;verify' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The content-addressed store the bundles were copied into')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store directory [default: HOME/trust]')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase of the decrypting key from the first line of FILE')
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;locker;migrate' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The SQLite locker to copy (only read; it must be at this evidentia''s schema version)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The empty locker to copy it into: a postgresql:// URL (lab build; the password from ~/.pgpass, PGPASSFILE or a prompt) or a SQLite file')
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
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
        'evidentia;locker;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the bundles with case, items and status')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one bundle (by bundle id) or every bundle of a case')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Find files across all bundles by hash or by name (exit 1 when none)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit log (who ingested what, when, from where)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;locker;help;list' {
            break
        }
        'evidentia;locker;help;show' {
            break
        }
        'evidentia;locker;help;find' {
            break
        }
        'evidentia;locker;help;audit' {
            break
        }
        'evidentia;locker;help;verify' {
            break
        }
        'evidentia;locker;help;migrate' {
            break
        }
        'evidentia;locker;help;help' {
            break
        }
        'evidentia;match' {
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Trust store for verifying bundle targets [default: HOME/trust]')
            [CompletionResult]::new('--hashset', '--hashset', [CompletionResultType]::ParameterName, 'Hash set to match against (repeatable)')
            [CompletionResult]::new('--locker', '--locker', [CompletionResultType]::ParameterName, 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--locker-files', '--locker-files', [CompletionResultType]::ParameterName, 'Match every file recorded in the locker')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine output on stdout: one JSON document, or JSON Lines for streams')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr (no warnings, notes or progress)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never show a progress bar')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'evidentia;demo' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'A new or empty directory for the demo''s homes, evidence, bundle and report [default: ./evidentia-demo]')
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
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Hash files, trees, devices, standard input or an E01 set''s media, or check a hash list')
            [CompletionResult]::new('acquire', 'acquire', [CompletionResultType]::ParameterValue, 'Image a device, image file, E01 set or stream with on-the-fly hashing')
            [CompletionResult]::new('capture', 'capture', [CompletionResultType]::ParameterValue, 'Capture traffic data (live or from a pcap) into signed, hash-chained segments')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Package evidence into a bundle (BagIt 1.0 in a zip, with a custody seal)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a bundle completely: exit 0 only if everything holds')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write a custody and integrity report (HTML, Markdown, JSON, CASE/UCO JSON-LD)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Disclose some files of a bundle, each proven as sealed, the rest hidden')
            [CompletionResult]::new('custody', 'custody', [CompletionResultType]::ParameterValue, 'Add signed custody events to a bundle, or show its custody chain')
            [CompletionResult]::new('receive', 'receive', [CompletionResultType]::ParameterValue, 'Verify a bundle transferred to you, then sign its receipt')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Finish an interrupted append: restore the bundle''s original bytes')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a bundle for the receiving examiner or lab (age; FILE.age)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt an encrypted bundle with your key (exit 1 if it was altered)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Make, list, show, export, certify and import keys; keep other parties'' certificates')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Manage the trust store: agency root keys and single keys')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a file into FILE.minisig, or verify one (--verify)')
            [CompletionResult]::new('hashset', 'hashset', [CompletionResultType]::ParameterValue, 'Import and list known-hash sets (NSRL RDS v3, hashdeep, sums lists)')
            [CompletionResult]::new('ingest', 'ingest', [CompletionResultType]::ParameterValue, 'Verify bundles and record them in the evidence locker')
            [CompletionResult]::new('locker', 'locker', [CompletionResultType]::ParameterValue, 'Query the evidence locker: list, show, find, audit, verify')
            [CompletionResult]::new('match', 'match', [CompletionResultType]::ParameterValue, 'Match files against known-hash sets (exit 1 on a known-bad match)')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole flow on the embedded sample image in a fresh directory')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages into a directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'evidentia;help;hash' {
            break
        }
        'evidentia;help;acquire' {
            break
        }
        'evidentia;help;capture' {
            break
        }
        'evidentia;help;seal' {
            break
        }
        'evidentia;help;verify' {
            break
        }
        'evidentia;help;report' {
            break
        }
        'evidentia;help;export' {
            break
        }
        'evidentia;help;custody' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Verify the bundle, then sign and append a custody event')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the custody chain as a timeline, with signatures and the head')
            break
        }
        'evidentia;help;custody;add' {
            break
        }
        'evidentia;help;custody;show' {
            break
        }
        'evidentia;help;receive' {
            break
        }
        'evidentia;help;repair' {
            break
        }
        'evidentia;help;encrypt' {
            break
        }
        'evidentia;help;decrypt' {
            break
        }
        'evidentia;help;key' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List own keys, and other parties'' certificates kept by `key import`')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one key (default: the only key)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity')
            [CompletionResult]::new('certify', 'certify', [CompletionResultType]::ParameterValue, 'Certify an examiner''s public key with an agency root key (certificate to stdout)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Store a certificate: for one of your own keys (from `key certify`), or keep another party''s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party''s signatures')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take away another party''s certificate kept by `key import` (never one of your own keys)')
            [CompletionResult]::new('add-recipient', 'add-recipient', [CompletionResultType]::ParameterValue, 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)')
            break
        }
        'evidentia;help;key;new' {
            break
        }
        'evidentia;help;key;list' {
            break
        }
        'evidentia;help;key;show' {
            break
        }
        'evidentia;help;key;export' {
            break
        }
        'evidentia;help;key;certify' {
            break
        }
        'evidentia;help;key;import' {
            break
        }
        'evidentia;help;key;remove' {
            break
        }
        'evidentia;help;key;add-recipient' {
            break
        }
        'evidentia;help;trust' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List trusted keys')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop trusting a key')
            break
        }
        'evidentia;help;trust;add' {
            break
        }
        'evidentia;help;trust;list' {
            break
        }
        'evidentia;help;trust;remove' {
            break
        }
        'evidentia;help;sign' {
            break
        }
        'evidentia;help;hashset' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import an NSRL RDS v3 database, a hashdeep file or a sums list')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the hash sets in the locker')
            break
        }
        'evidentia;help;hashset;import' {
            break
        }
        'evidentia;help;hashset;list' {
            break
        }
        'evidentia;help;ingest' {
            break
        }
        'evidentia;help;locker' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the bundles with case, items and status')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one bundle (by bundle id) or every bundle of a case')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Find files across all bundles by hash or by name (exit 1 when none)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit log (who ingested what, when, from where)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table')
            break
        }
        'evidentia;help;locker;list' {
            break
        }
        'evidentia;help;locker;show' {
            break
        }
        'evidentia;help;locker;find' {
            break
        }
        'evidentia;help;locker;audit' {
            break
        }
        'evidentia;help;locker;verify' {
            break
        }
        'evidentia;help;locker;migrate' {
            break
        }
        'evidentia;help;match' {
            break
        }
        'evidentia;help;demo' {
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
