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
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "hash" -d 'Hash files, trees, devices, standard input or an E01 set\'s media, or check a hash list'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "acquire" -d 'Image a device, image file, E01 set or stream with on-the-fly hashing'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "capture" -d 'Capture traffic data (live or from a pcap) into signed, hash-chained segments'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "seal" -d 'Package evidence into a bundle (BagIt 1.0 in a zip, with a custody seal)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "verify" -d 'Check a bundle completely: exit 0 only if everything holds'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "report" -d 'Write a custody and integrity report (HTML, Markdown, JSON, CASE/UCO JSON-LD)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "export" -d 'Disclose some files of a bundle, each proven as sealed, the rest hidden'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "custody" -d 'Add signed custody events to a bundle, or show its custody chain'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "receive" -d 'Verify a bundle transferred to you, then sign its receipt'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "repair" -d 'Finish an interrupted append: restore the bundle\'s original bytes'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "encrypt" -d 'Encrypt a bundle for the receiving examiner or lab (age; FILE.age)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "decrypt" -d 'Decrypt an encrypted bundle with your key (exit 1 if it was altered)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "key" -d 'Make, list, show, export, certify and import keys; keep other parties\' certificates'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "trust" -d 'Manage the trust store: agency root keys and single keys'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "sign" -d 'Sign a file into FILE.minisig, or verify one (--verify)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "hashset" -d 'Import and list known-hash sets (NSRL RDS v3, hashdeep, sums lists)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "ingest" -d 'Verify bundles and record them in the evidence locker'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "locker" -d 'Query the evidence locker: list, show, find, audit, verify'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "match" -d 'Match files against known-hash sets (exit 1 on a known-bad match)'
complete -c evidentia -n "__fish_evidentia_needs_command" -f -a "demo" -d 'Run the whole flow on the embedded sample image in a fresh directory'
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
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l relative -d 'With --format hashdeep: write paths as given instead of absolute (like `hashdeep -l`)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l media -d 'Hash the media data of an E01 set (give its first segment, NAME.E01), checking every chunk and the stored MD5/SHA-1; writes nothing'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand hash" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -s o -l out -d 'New directory for the image, map, record and log (must not exist)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l case -d 'Case identifier, for the record' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l item -d 'Evidence item identifier, for the record' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l examiner -d 'Examiner\'s name, for the record' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l notes -d 'Free-text notes, for the record' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -s a -l algo -d 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l piece -d 'Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l split -d 'Split the image into segments image.000, image.001, ... of SIZE bytes' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l block-size -d 'Read size, a multiple of 4K [default: 2M]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l retries -d 'Extra attempts for each sector that fails [default: 3]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l seal -d 'Then seal the acquisition directory into this signed bundle (needs --case; the same as `evidentia seal DIR`)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l key -d 'Signing key for --seal [default: the only examiner key]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l passphrase-file -d 'Read the signing key\'s passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l verify -d 'Re-read the image (and a device or file source) and compare hashes'
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l keep-original -d 'For an E01 source: also copy its segment files, byte for byte, beside the record, and read the set from the copies (so the copies are the bytes checked)'
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l no-image -d 'For an E01 source: copy its segment files beside the record and check them, but write no raw image'
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand acquire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -s o -l out -d 'New directory for the segments and records (must not exist)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l case -d 'Case reference (required here or as case_reference in --meta)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l filter -d 'BPF filter expression: the legal scope ("specified communications"), compiled by libpcap and recorded verbatim' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l rotate -d 'Close a segment and open the next every DURATION (30s, 15min, 1h, 1d) or before it grows past SIZE (64M, 1G)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l duration -d 'End the capture after DURATION (the packets\' own times for a file)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l count -d 'End the capture after N packets' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l content -d 'What each packet keeps' -r -f -a "headers\t'Link, network and transport headers only (traffic data)'
full\t'Whole packets up to the snaplen (content: needs a legal basis in --meta)'"
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l snaplen -d 'Bytes captured per packet [default: 512 with headers, 262144 with full]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l key -d 'Signing key id or unique hex prefix [default: the only examiner key]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l passphrase-file -d 'Read the signing key\'s passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l meta -d 'Case and legal metadata (JSON or TOML; see docs/formats/manifest.md); copied into DIR, its SHA-256 in every record' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l seal -d 'Then seal the capture directory into this signed bundle' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l buffer -d 'Kernel capture buffer [default: 64M]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l recover -d 'Close the capture in DIR whose process died (power cut, kill -9): the open segment is cut to its last whole packet and signed as recovered' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l no-promisc -d 'Do not put the interface in promiscuous mode'
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand capture" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -s o -l out -d 'The bundle file to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named BUNDLE.zip.age' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l to -d 'Encrypt the bundle as it is written for this recipient (repeatable): a certificate or public key file of the receiving examiner or lab, a key id, or an age1... recipient. The plaintext bundle never touches the disk' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l trust -d 'Trust store directory for --to [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l case -d 'Case reference (required here or in --meta)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l item -d 'Item or exhibit item number (repeatable)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l description -d 'Description of the evidence' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l meta -d 'Case and legal metadata, a JSON or TOML file (see docs/formats/manifest.md); unknown keys are an error. Flags override the file' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -s a -l algo -d 'Extra BagIt manifests, comma-separated: sha512, sha1, md5 (sha256 and BLAKE3 are always computed)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l compress -d 'Entry compression [default: stored]' -r -f -a "stored\t'No compression (the default)'
deflate\t'Deflate (portable zip compression)'"
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l time -d 'Sealing time (RFC 3339), for reproducible output [default: now]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l key -d 'Signing key id or unique hex prefix [default: the only examiner key]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l passphrase-file -d 'Read the signing key\'s passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l piece -d 'Window size of the piecewise hashes in manifest.json (a power of two, at least 4K)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l to-untrusted -d 'Accept --to recipients that no root in the trust store vouches for (warned loudly)'
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l allow-unreadable -d 'Record files that cannot be opened instead of stopping'
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand seal" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l expect-head -d 'The custody head (hex SHA-256) the sender announced; detects a chain whose tail was cut off' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l key -d 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l passphrase-file -d 'Read the passphrase of the decrypting key from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -s f -l format -d 'Output format' -r -f -a "html\t'One self-contained HTML file, printable on A4'
md\t'The same content as Markdown'
json\t'The verification report document (as `verify --json`)'
case\t'CASE 1.5.0 / UCO JSON-LD'"
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -s o -l out -d 'Write the report to FILE instead of standard output' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l expect-head -d 'The custody head (hex SHA-256) the sender announced; without it the report says the head was not compared' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l key -d 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l passphrase-file -d 'Read the passphrase of the decrypting key from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l select -d 'Disclose the files whose bag path below data/ matches PATTERN (repeatable): * and ? do not cross /, ** does ("mail/*.eml", "**/*.pdf"). Each pattern must select a file' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l files-from -d 'Disclose the files listed in LIST (- for standard input), one bag path per line, relative to data/ or with its data/ prefix; each must name a file' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -s o -l out -d 'The derived bundle to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named SUB.zip.age' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l purpose -d 'Why the files are disclosed (the request they answer); signed into the derived bundle and the export event' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l to -d 'Encrypt the derived bundle as it is written for this recipient (repeatable), as `seal --to` does' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l time -d 'Export time (RFC 3339), for reproducible output [default: now]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l key -d 'Signing key id or unique hex prefix [default: the only examiner key]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l passphrase-file -d 'Read the passphrase of the signing key (and of the keys that decrypt an encrypted original) from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l to-untrusted -d 'Accept --to recipients that no root in the trust store vouches for (warned loudly)'
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l no-record -d 'Do not append an export event to the original (required when it cannot be written to: read-only media, an encrypted original); the derived bundle then says the export was not recorded at the source'
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l reveal-manifest -d 'For an original sealed without a disclosure commitment (manifest v1/v2): send its whole manifest.json and tag manifest along instead of proofs, which names, hashes and sizes every withheld file too'
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -f -a "add" -d 'Verify the bundle, then sign and append a custody event'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -f -a "show" -d 'Show the custody chain as a timeline, with signatures and the head'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and not __fish_seen_subcommand_from add show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l action -d 'transfer, receive, access, copy, verify, return, dispose or note' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l to -d 'The recipient of a transfer: "NAME, ORG, CC" (CC an ISO 3166 code)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l to-key -d 'The recipient of a transfer by key id' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l location -d 'Where the action took place' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l purpose -d 'Why (the purpose of the action)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l note -d 'A free-text note' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l key -d 'Signing key id or unique hex prefix [default: the only examiner key]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l passphrase-file -d 'Read the signing key\'s passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l time -d 'The claimed time of the event (RFC 3339) [default: now]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -l key -d 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -l passphrase-file -d 'Read the passphrase of the decrypting key from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from help" -f -a "add" -d 'Verify the bundle, then sign and append a custody event'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the custody chain as a timeline, with signatures and the head'
complete -c evidentia -n "__fish_evidentia_using_subcommand custody; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -s o -l out -d 'For an encrypted bundle: decrypt it (with any of your keys) into this new file, which gets the receive event; the encrypted file stays as it arrived' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l location -d 'Where the action took place' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l purpose -d 'Why (the purpose of the action)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l note -d 'A free-text note' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l key -d 'Signing key id or unique hex prefix [default: the only examiner key]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l passphrase-file -d 'Read the signing key\'s passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l time -d 'The claimed time of the event (RFC 3339) [default: now]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand receive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand repair" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand repair" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand repair" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand repair" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand repair" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand repair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -l to -d 'Who may read it (repeatable): the receiving examiner\'s certificate (from `key certify`) or public key file, the id of a key you hold or a certificate you imported, or a bare age1... recipient' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -s o -l out -d 'The encrypted file to create [default: FILE.age]. Never overwritten' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -l to-untrusted -d 'Accept a certificate or public key file that no root in your trust store vouches for (only after confirming its fingerprint out of band)'
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand encrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -s o -l out -d 'The decrypted file to create [default: FILE without .age]. Never overwritten' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -l key -d 'Decrypt with this key only (id or unique hex prefix) [default: every key of yours with an encryption recipient]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -l passphrase-file -d 'Read the passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand decrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "new" -d 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "list" -d 'List own keys, and other parties\' certificates kept by `key import`'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "show" -d 'Show one key (default: the only key)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "export" -d 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "certify" -d 'Certify an examiner\'s public key with an agency root key (certificate to stdout)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "import" -d 'Store a certificate: for one of your own keys (from `key certify`), or keep another party\'s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party\'s signatures'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "remove" -d 'Take away another party\'s certificate kept by `key import` (never one of your own keys)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "add-recipient" -d 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and not __fish_seen_subcommand_from new list show export certify import remove add-recipient help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l name -d 'Name of the person or service' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l org -d 'Organisation' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l country -d 'ISO 3166-1 alpha-2 country code (e.g. CZ, DE)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l email -d 'Contact e-mail' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l role -d 'Role (e.g. examiner)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l passphrase-file -d 'Read the passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l root -d 'Make an agency root key (certifies examiner keys; keep it offline)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l no-encrypt -d 'Store the secret key unencrypted (not recommended)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from list" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from list" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from list" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from show" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from show" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from show" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l passphrase-file -d 'Read the passphrase from the first line of FILE (--age-identity)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l pem -d 'A standard SPKI PEM public key (`openssl pkey -pubin`)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l minisign -d 'A minisign public key file (`minisign -V -p FILE`)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l age -d 'The age encryption recipient (`age1...`, for `age -r`), one line'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l age-identity -d 'The SECRET age identity (`AGE-SECRET-KEY-1...`, for `age -d -i`), after the passphrase; anyone holding it reads what is encrypted to you'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l with -d 'The root key\'s id or unique hex prefix' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l role -d 'Role to certify [default: the role in the public key file]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l valid-from -d 'Start of validity: RFC 3339 or YYYY-MM-DD [default: now]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l valid-until -d 'End of validity: RFC 3339 or YYYY-MM-DD [default: one year after the start]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l passphrase-file -d 'Read the passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from certify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from import" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from import" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from import" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from import" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from remove" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from remove" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from remove" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from add-recipient" -l passphrase-file -d 'Read the passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from add-recipient" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from add-recipient" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from add-recipient" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from add-recipient" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from add-recipient" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from add-recipient" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "new" -d 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List own keys, and other parties\' certificates kept by `key import`'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one key (default: the only key)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "certify" -d 'Certify an examiner\'s public key with an agency root key (certificate to stdout)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "import" -d 'Store a certificate: for one of your own keys (from `key certify`), or keep another party\'s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party\'s signatures'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Take away another party\'s certificate kept by `key import` (never one of your own keys)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "add-recipient" -d 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)'
complete -c evidentia -n "__fish_evidentia_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -f -a "add" -d 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -f -a "list" -d 'List trusted keys'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -f -a "remove" -d 'Stop trusting a key'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and not __fish_seen_subcommand_from add list remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -l may-certify -d 'Also let the root certify staff of ORG in country CC (repeatable; by default a root may certify only its own organisation and country)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -l root -d 'Trust it as an agency root (implied by a root\'s evidentia public key file)'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from list" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from list" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from list" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from remove" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from remove" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from remove" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "add" -d 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "list" -d 'List trusted keys'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Stop trusting a key'
complete -c evidentia -n "__fish_evidentia_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l key -d 'Signing key id or unique hex prefix [default: the only examiner key]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l comment -d 'Text added to the trusted comment (covered by the signature)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l passphrase-file -d 'Read the passphrase from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l sig -d 'The signature file [default: FILE.minisig]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l cert -d 'A certificate of the signing key (a bundle such as FILE.cert from `sign --with-cert` or `key certify`, or a .cert.json with its .minisig beside it); it counts only through a root in the trust store (repeatable)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l with-cert -d 'Also write the signing key\'s certificate bundle as FILE.cert, to send with FILE and FILE.minisig (the key must have an imported certificate)'
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l verify -d 'Verify FILE against its signature instead of signing'
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -f -a "import" -d 'Import an NSRL RDS v3 database, a hashdeep file or a sums list'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -f -a "list" -d 'List the hash sets in the locker'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and not __fish_seen_subcommand_from import list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -l kind -d 'What a match means' -r -f -a "known-good\t'Known software (e.g. NSRL): matches are informational'
known-bad\t'Known illegal or malicious material: matches are alerts (exit 1)'"
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -l algo -d 'Algorithm of bare 64-hex-digit lines in a sums list [default: sha256]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from list" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from list" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from list" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from list" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import an NSRL RDS v3 database, a hashdeep file or a sums list'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the hash sets in the locker'
complete -c evidentia -n "__fish_evidentia_using_subcommand hashset; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l store -d 'Keep a copy of each bundle in this content-addressed store (DIR/sha256/ab/abcd....zip; an encrypted bundle also as it arrived, DIR/sha256/cd/cdef....zip.age)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l key -d 'Sign and append a receive event with this key before recording the bundle, as `evidentia receive` does (the bundle file is changed)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l passphrase-file -d 'Read the passphrase of the signing key (and of the keys that decrypt an encrypted bundle) from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l quarantine -d 'Record a bundle that fails verification as quarantined, with its reasons, instead of refusing it (still exit 1)'
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand ingest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -f -a "list" -d 'List the bundles with case, items and status'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -f -a "show" -d 'Show one bundle (by bundle id) or every bundle of a case'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -f -a "find" -d 'Find files across all bundles by hash or by name (exit 1 when none)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -f -a "audit" -d 'Show the audit log (who ingested what, when, from where)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -f -a "verify" -d 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -f -a "migrate" -d 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and not __fish_seen_subcommand_from list show find audit verify migrate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from list" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from list" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from list" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from list" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from show" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from show" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from show" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from show" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -l hash -d 'A digest in hex, either case (length picks the algorithm; 64 digits searches SHA-256 and BLAKE3)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -l name -d 'A path pattern: a glob with * and ?, or an SQL LIKE pattern (% and _) when it holds no * or ?' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from find" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from audit" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from audit" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from audit" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from audit" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from audit" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from audit" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l store -d 'The content-addressed store the bundles were copied into' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l trust -d 'Trust store directory [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l key -d 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l passphrase-file -d 'Read the passphrase of the decrypting key from the first line of FILE' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -l from -d 'The SQLite locker to copy (only read; it must be at this evidentia\'s schema version)' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -l to -d 'The empty locker to copy it into: a postgresql:// URL (lab build; the password from ~/.pgpass, PGPASSFILE or a prompt) or a SQLite file' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the bundles with case, items and status'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one bundle (by bundle id) or every bundle of a case'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from help" -f -a "find" -d 'Find files across all bundles by hash or by name (exit 1 when none)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from help" -f -a "audit" -d 'Show the audit log (who ingested what, when, from where)'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table'
complete -c evidentia -n "__fish_evidentia_using_subcommand locker; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l trust -d 'Trust store for verifying bundle targets [default: HOME/trust]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l hashset -d 'Hash set to match against (repeatable)' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l locker -d 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]' -r
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l locker-files -d 'Match every file recorded in the locker'
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand match" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c evidentia -n "__fish_evidentia_using_subcommand demo" -l dir -d 'A new or empty directory for the demo\'s homes, evidence, bundle and report [default: ./evidentia-demo]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand demo" -l home -d 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]' -r -F
complete -c evidentia -n "__fish_evidentia_using_subcommand demo" -l color -d 'When to use colour (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c evidentia -n "__fish_evidentia_using_subcommand demo" -l json -d 'Machine output on stdout: one JSON document, or JSON Lines for streams'
complete -c evidentia -n "__fish_evidentia_using_subcommand demo" -s q -l quiet -d 'Only errors on stderr (no warnings, notes or progress)'
complete -c evidentia -n "__fish_evidentia_using_subcommand demo" -l no-progress -d 'Never show a progress bar'
complete -c evidentia -n "__fish_evidentia_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
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
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "hash" -d 'Hash files, trees, devices, standard input or an E01 set\'s media, or check a hash list'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "acquire" -d 'Image a device, image file, E01 set or stream with on-the-fly hashing'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "capture" -d 'Capture traffic data (live or from a pcap) into signed, hash-chained segments'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "seal" -d 'Package evidence into a bundle (BagIt 1.0 in a zip, with a custody seal)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "verify" -d 'Check a bundle completely: exit 0 only if everything holds'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "report" -d 'Write a custody and integrity report (HTML, Markdown, JSON, CASE/UCO JSON-LD)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "export" -d 'Disclose some files of a bundle, each proven as sealed, the rest hidden'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "custody" -d 'Add signed custody events to a bundle, or show its custody chain'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "receive" -d 'Verify a bundle transferred to you, then sign its receipt'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "repair" -d 'Finish an interrupted append: restore the bundle\'s original bytes'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "encrypt" -d 'Encrypt a bundle for the receiving examiner or lab (age; FILE.age)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "decrypt" -d 'Decrypt an encrypted bundle with your key (exit 1 if it was altered)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "key" -d 'Make, list, show, export, certify and import keys; keep other parties\' certificates'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "trust" -d 'Manage the trust store: agency root keys and single keys'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "sign" -d 'Sign a file into FILE.minisig, or verify one (--verify)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "hashset" -d 'Import and list known-hash sets (NSRL RDS v3, hashdeep, sums lists)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "ingest" -d 'Verify bundles and record them in the evidence locker'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "locker" -d 'Query the evidence locker: list, show, find, audit, verify'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "match" -d 'Match files against known-hash sets (exit 1 on a known-bad match)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "demo" -d 'Run the whole flow on the embedded sample image in a fresh directory'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "man" -d 'Write the man pages into a directory'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and not __fish_seen_subcommand_from hash acquire capture seal verify report export custody receive repair encrypt decrypt key trust sign hashset ingest locker match demo completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from custody" -f -a "add" -d 'Verify the bundle, then sign and append a custody event'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from custody" -f -a "show" -d 'Show the custody chain as a timeline, with signatures and the head'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "new" -d 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List own keys, and other parties\' certificates kept by `key import`'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show" -d 'Show one key (default: the only key)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "export" -d 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "certify" -d 'Certify an examiner\'s public key with an agency root key (certificate to stdout)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "import" -d 'Store a certificate: for one of your own keys (from `key certify`), or keep another party\'s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party\'s signatures'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "remove" -d 'Take away another party\'s certificate kept by `key import` (never one of your own keys)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "add-recipient" -d 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "add" -d 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "list" -d 'List trusted keys'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "remove" -d 'Stop trusting a key'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from hashset" -f -a "import" -d 'Import an NSRL RDS v3 database, a hashdeep file or a sums list'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from hashset" -f -a "list" -d 'List the hash sets in the locker'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from locker" -f -a "list" -d 'List the bundles with case, items and status'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from locker" -f -a "show" -d 'Show one bundle (by bundle id) or every bundle of a case'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from locker" -f -a "find" -d 'Find files across all bundles by hash or by name (exit 1 when none)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from locker" -f -a "audit" -d 'Show the audit log (who ingested what, when, from where)'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from locker" -f -a "verify" -d 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift'
complete -c evidentia -n "__fish_evidentia_using_subcommand help; and __fish_seen_subcommand_from locker" -f -a "migrate" -d 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table'
