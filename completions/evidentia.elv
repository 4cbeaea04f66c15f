
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
            cand hash 'Hash files, trees, devices, standard input or an E01 set''s media, or check a hash list'
            cand acquire 'Image a device, image file, E01 set or stream with on-the-fly hashing'
            cand capture 'Capture traffic data (live or from a pcap) into signed, hash-chained segments'
            cand seal 'Package evidence into a bundle (BagIt 1.0 in a zip, with a custody seal)'
            cand verify 'Check a bundle completely: exit 0 only if everything holds'
            cand report 'Write a custody and integrity report (HTML, Markdown, JSON, CASE/UCO JSON-LD)'
            cand export 'Disclose some files of a bundle, each proven as sealed, the rest hidden'
            cand custody 'Add signed custody events to a bundle, or show its custody chain'
            cand receive 'Verify a bundle transferred to you, then sign its receipt'
            cand repair 'Finish an interrupted append: restore the bundle''s original bytes'
            cand encrypt 'Encrypt a bundle for the receiving examiner or lab (age; FILE.age)'
            cand decrypt 'Decrypt an encrypted bundle with your key (exit 1 if it was altered)'
            cand key 'Make, list, show, export, certify and import keys; keep other parties'' certificates'
            cand trust 'Manage the trust store: agency root keys and single keys'
            cand sign 'Sign a file into FILE.minisig, or verify one (--verify)'
            cand hashset 'Import and list known-hash sets (NSRL RDS v3, hashdeep, sums lists)'
            cand ingest 'Verify bundles and record them in the evidence locker'
            cand locker 'Query the evidence locker: list, show, find, audit, verify'
            cand match 'Match files against known-hash sets (exit 1 on a known-bad match)'
            cand demo 'Run the whole flow on the embedded sample image in a fresh directory'
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
            cand --relative 'With --format hashdeep: write paths as given instead of absolute (like `hashdeep -l`)'
            cand --media 'Hash the media data of an E01 set (give its first segment, NAME.E01), checking every chunk and the stored MD5/SHA-1; writes nothing'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;acquire'= {
            cand -o 'New directory for the image, map, record and log (must not exist)'
            cand --out 'New directory for the image, map, record and log (must not exist)'
            cand --case 'Case identifier, for the record'
            cand --item 'Evidence item identifier, for the record'
            cand --examiner 'Examiner''s name, for the record'
            cand --notes 'Free-text notes, for the record'
            cand -a 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3]'
            cand --algo 'Algorithms, comma-separated: sha256, blake3, sha1, md5, sha512 [default: sha256,blake3]'
            cand --piece 'Also hash fixed windows of SIZE bytes (SHA-256 per window, e.g. 64M)'
            cand --split 'Split the image into segments image.000, image.001, ... of SIZE bytes'
            cand --block-size 'Read size, a multiple of 4K [default: 2M]'
            cand --retries 'Extra attempts for each sector that fails [default: 3]'
            cand --seal 'Then seal the acquisition directory into this signed bundle (needs --case; the same as `evidentia seal DIR`)'
            cand --key 'Signing key for --seal [default: the only examiner key]'
            cand --passphrase-file 'Read the signing key''s passphrase from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --verify 'Re-read the image (and a device or file source) and compare hashes'
            cand --keep-original 'For an E01 source: also copy its segment files, byte for byte, beside the record, and read the set from the copies (so the copies are the bytes checked)'
            cand --no-image 'For an E01 source: copy its segment files beside the record and check them, but write no raw image'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;capture'= {
            cand -o 'New directory for the segments and records (must not exist)'
            cand --out 'New directory for the segments and records (must not exist)'
            cand --case 'Case reference (required here or as case_reference in --meta)'
            cand --filter 'BPF filter expression: the legal scope ("specified communications"), compiled by libpcap and recorded verbatim'
            cand --rotate 'Close a segment and open the next every DURATION (30s, 15min, 1h, 1d) or before it grows past SIZE (64M, 1G)'
            cand --duration 'End the capture after DURATION (the packets'' own times for a file)'
            cand --count 'End the capture after N packets'
            cand --content 'What each packet keeps'
            cand --snaplen 'Bytes captured per packet [default: 512 with headers, 262144 with full]'
            cand --key 'Signing key id or unique hex prefix [default: the only examiner key]'
            cand --passphrase-file 'Read the signing key''s passphrase from the first line of FILE'
            cand --meta 'Case and legal metadata (JSON or TOML; see docs/formats/manifest.md); copied into DIR, its SHA-256 in every record'
            cand --seal 'Then seal the capture directory into this signed bundle'
            cand --buffer 'Kernel capture buffer [default: 64M]'
            cand --recover 'Close the capture in DIR whose process died (power cut, kill -9): the open segment is cut to its last whole packet and signed as recovered'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --no-promisc 'Do not put the interface in promiscuous mode'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;seal'= {
            cand -o 'The bundle file to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named BUNDLE.zip.age'
            cand --out 'The bundle file to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named BUNDLE.zip.age'
            cand --to 'Encrypt the bundle as it is written for this recipient (repeatable): a certificate or public key file of the receiving examiner or lab, a key id, or an age1... recipient. The plaintext bundle never touches the disk'
            cand --trust 'Trust store directory for --to [default: HOME/trust]'
            cand --case 'Case reference (required here or in --meta)'
            cand --item 'Item or exhibit item number (repeatable)'
            cand --description 'Description of the evidence'
            cand --meta 'Case and legal metadata, a JSON or TOML file (see docs/formats/manifest.md); unknown keys are an error. Flags override the file'
            cand -a 'Extra BagIt manifests, comma-separated: sha512, sha1, md5 (sha256 and BLAKE3 are always computed)'
            cand --algo 'Extra BagIt manifests, comma-separated: sha512, sha1, md5 (sha256 and BLAKE3 are always computed)'
            cand --compress 'Entry compression [default: stored]'
            cand --time 'Sealing time (RFC 3339), for reproducible output [default: now]'
            cand --key 'Signing key id or unique hex prefix [default: the only examiner key]'
            cand --passphrase-file 'Read the signing key''s passphrase from the first line of FILE'
            cand --piece 'Window size of the piecewise hashes in manifest.json (a power of two, at least 4K)'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --to-untrusted 'Accept --to recipients that no root in the trust store vouches for (warned loudly)'
            cand --allow-unreadable 'Record files that cannot be opened instead of stopping'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;verify'= {
            cand --expect-head 'The custody head (hex SHA-256) the sender announced; detects a chain whose tail was cut off'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --key 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]'
            cand --passphrase-file 'Read the passphrase of the decrypting key from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;report'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand -o 'Write the report to FILE instead of standard output'
            cand --out 'Write the report to FILE instead of standard output'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --expect-head 'The custody head (hex SHA-256) the sender announced; without it the report says the head was not compared'
            cand --key 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]'
            cand --passphrase-file 'Read the passphrase of the decrypting key from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;export'= {
            cand --select 'Disclose the files whose bag path below data/ matches PATTERN (repeatable): * and ? do not cross /, ** does ("mail/*.eml", "**/*.pdf"). Each pattern must select a file'
            cand --files-from 'Disclose the files listed in LIST (- for standard input), one bag path per line, relative to data/ or with its data/ prefix; each must name a file'
            cand -o 'The derived bundle to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named SUB.zip.age'
            cand --out 'The derived bundle to create; its stem names the bag directory. Never overwritten. With --to, the encrypted file, named SUB.zip.age'
            cand --purpose 'Why the files are disclosed (the request they answer); signed into the derived bundle and the export event'
            cand --to 'Encrypt the derived bundle as it is written for this recipient (repeatable), as `seal --to` does'
            cand --time 'Export time (RFC 3339), for reproducible output [default: now]'
            cand --key 'Signing key id or unique hex prefix [default: the only examiner key]'
            cand --passphrase-file 'Read the passphrase of the signing key (and of the keys that decrypt an encrypted original) from the first line of FILE'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --to-untrusted 'Accept --to recipients that no root in the trust store vouches for (warned loudly)'
            cand --no-record 'Do not append an export event to the original (required when it cannot be written to: read-only media, an encrypted original); the derived bundle then says the export was not recorded at the source'
            cand --reveal-manifest 'For an original sealed without a disclosure commitment (manifest v1/v2): send its whole manifest.json and tag manifest along instead of proofs, which names, hashes and sizes every withheld file too'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;custody'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand add 'Verify the bundle, then sign and append a custody event'
            cand show 'Show the custody chain as a timeline, with signatures and the head'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;custody;add'= {
            cand --action 'transfer, receive, access, copy, verify, return, dispose or note'
            cand --to 'The recipient of a transfer: "NAME, ORG, CC" (CC an ISO 3166 code)'
            cand --to-key 'The recipient of a transfer by key id'
            cand --location 'Where the action took place'
            cand --purpose 'Why (the purpose of the action)'
            cand --note 'A free-text note'
            cand --key 'Signing key id or unique hex prefix [default: the only examiner key]'
            cand --passphrase-file 'Read the signing key''s passphrase from the first line of FILE'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --time 'The claimed time of the event (RFC 3339) [default: now]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;custody;show'= {
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --key 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]'
            cand --passphrase-file 'Read the passphrase of the decrypting key from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;custody;help'= {
            cand add 'Verify the bundle, then sign and append a custody event'
            cand show 'Show the custody chain as a timeline, with signatures and the head'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;custody;help;add'= {
        }
        &'evidentia;custody;help;show'= {
        }
        &'evidentia;custody;help;help'= {
        }
        &'evidentia;receive'= {
            cand -o 'For an encrypted bundle: decrypt it (with any of your keys) into this new file, which gets the receive event; the encrypted file stays as it arrived'
            cand --out 'For an encrypted bundle: decrypt it (with any of your keys) into this new file, which gets the receive event; the encrypted file stays as it arrived'
            cand --location 'Where the action took place'
            cand --purpose 'Why (the purpose of the action)'
            cand --note 'A free-text note'
            cand --key 'Signing key id or unique hex prefix [default: the only examiner key]'
            cand --passphrase-file 'Read the signing key''s passphrase from the first line of FILE'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --time 'The claimed time of the event (RFC 3339) [default: now]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;repair'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;encrypt'= {
            cand --to 'Who may read it (repeatable): the receiving examiner''s certificate (from `key certify`) or public key file, the id of a key you hold or a certificate you imported, or a bare age1... recipient'
            cand -o 'The encrypted file to create [default: FILE.age]. Never overwritten'
            cand --out 'The encrypted file to create [default: FILE.age]. Never overwritten'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --to-untrusted 'Accept a certificate or public key file that no root in your trust store vouches for (only after confirming its fingerprint out of band)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;decrypt'= {
            cand -o 'The decrypted file to create [default: FILE without .age]. Never overwritten'
            cand --out 'The decrypted file to create [default: FILE without .age]. Never overwritten'
            cand --key 'Decrypt with this key only (id or unique hex prefix) [default: every key of yours with an encryption recipient]'
            cand --passphrase-file 'Read the passphrase from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand new 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint'
            cand list 'List own keys, and other parties'' certificates kept by `key import`'
            cand show 'Show one key (default: the only key)'
            cand export 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity'
            cand certify 'Certify an examiner''s public key with an agency root key (certificate to stdout)'
            cand import 'Store a certificate: for one of your own keys (from `key certify`), or keep another party''s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party''s signatures'
            cand remove 'Take away another party''s certificate kept by `key import` (never one of your own keys)'
            cand add-recipient 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;key;new'= {
            cand --name 'Name of the person or service'
            cand --org 'Organisation'
            cand --country 'ISO 3166-1 alpha-2 country code (e.g. CZ, DE)'
            cand --email 'Contact e-mail'
            cand --role 'Role (e.g. examiner)'
            cand --passphrase-file 'Read the passphrase from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --root 'Make an agency root key (certifies examiner keys; keep it offline)'
            cand --no-encrypt 'Store the secret key unencrypted (not recommended)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;list'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;show'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;export'= {
            cand --passphrase-file 'Read the passphrase from the first line of FILE (--age-identity)'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --pem 'A standard SPKI PEM public key (`openssl pkey -pubin`)'
            cand --minisign 'A minisign public key file (`minisign -V -p FILE`)'
            cand --age 'The age encryption recipient (`age1...`, for `age -r`), one line'
            cand --age-identity 'The SECRET age identity (`AGE-SECRET-KEY-1...`, for `age -d -i`), after the passphrase; anyone holding it reads what is encrypted to you'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;certify'= {
            cand --with 'The root key''s id or unique hex prefix'
            cand --role 'Role to certify [default: the role in the public key file]'
            cand --valid-from 'Start of validity: RFC 3339 or YYYY-MM-DD [default: now]'
            cand --valid-until 'End of validity: RFC 3339 or YYYY-MM-DD [default: one year after the start]'
            cand --passphrase-file 'Read the passphrase from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;import'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;remove'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;add-recipient'= {
            cand --passphrase-file 'Read the passphrase from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;key;help'= {
            cand new 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint'
            cand list 'List own keys, and other parties'' certificates kept by `key import`'
            cand show 'Show one key (default: the only key)'
            cand export 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity'
            cand certify 'Certify an examiner''s public key with an agency root key (certificate to stdout)'
            cand import 'Store a certificate: for one of your own keys (from `key certify`), or keep another party''s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party''s signatures'
            cand remove 'Take away another party''s certificate kept by `key import` (never one of your own keys)'
            cand add-recipient 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;key;help;new'= {
        }
        &'evidentia;key;help;list'= {
        }
        &'evidentia;key;help;show'= {
        }
        &'evidentia;key;help;export'= {
        }
        &'evidentia;key;help;certify'= {
        }
        &'evidentia;key;help;import'= {
        }
        &'evidentia;key;help;remove'= {
        }
        &'evidentia;key;help;add-recipient'= {
        }
        &'evidentia;key;help;help'= {
        }
        &'evidentia;trust'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand add 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper'
            cand list 'List trusted keys'
            cand remove 'Stop trusting a key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;trust;add'= {
            cand --may-certify 'Also let the root certify staff of ORG in country CC (repeatable; by default a root may certify only its own organisation and country)'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --root 'Trust it as an agency root (implied by a root''s evidentia public key file)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;trust;list'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;trust;remove'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;trust;help'= {
            cand add 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper'
            cand list 'List trusted keys'
            cand remove 'Stop trusting a key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;trust;help;add'= {
        }
        &'evidentia;trust;help;list'= {
        }
        &'evidentia;trust;help;remove'= {
        }
        &'evidentia;trust;help;help'= {
        }
        &'evidentia;sign'= {
            cand --key 'Signing key id or unique hex prefix [default: the only examiner key]'
            cand --comment 'Text added to the trusted comment (covered by the signature)'
            cand --passphrase-file 'Read the passphrase from the first line of FILE'
            cand --sig 'The signature file [default: FILE.minisig]'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --cert 'A certificate of the signing key (a bundle such as FILE.cert from `sign --with-cert` or `key certify`, or a .cert.json with its .minisig beside it); it counts only through a root in the trust store (repeatable)'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --with-cert 'Also write the signing key''s certificate bundle as FILE.cert, to send with FILE and FILE.minisig (the key must have an imported certificate)'
            cand --verify 'Verify FILE against its signature instead of signing'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;hashset'= {
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand import 'Import an NSRL RDS v3 database, a hashdeep file or a sums list'
            cand list 'List the hash sets in the locker'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;hashset;import'= {
            cand --kind 'What a match means'
            cand --algo 'Algorithm of bare 64-hex-digit lines in a sums list [default: sha256]'
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;hashset;list'= {
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;hashset;help'= {
            cand import 'Import an NSRL RDS v3 database, a hashdeep file or a sums list'
            cand list 'List the hash sets in the locker'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;hashset;help;import'= {
        }
        &'evidentia;hashset;help;list'= {
        }
        &'evidentia;hashset;help;help'= {
        }
        &'evidentia;ingest'= {
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --store 'Keep a copy of each bundle in this content-addressed store (DIR/sha256/ab/abcd....zip; an encrypted bundle also as it arrived, DIR/sha256/cd/cdef....zip.age)'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --key 'Sign and append a receive event with this key before recording the bundle, as `evidentia receive` does (the bundle file is changed)'
            cand --passphrase-file 'Read the passphrase of the signing key (and of the keys that decrypt an encrypted bundle) from the first line of FILE'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --quarantine 'Record a bundle that fails verification as quarantined, with its reasons, instead of refusing it (still exit 1)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;locker'= {
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List the bundles with case, items and status'
            cand show 'Show one bundle (by bundle id) or every bundle of a case'
            cand find 'Find files across all bundles by hash or by name (exit 1 when none)'
            cand audit 'Show the audit log (who ingested what, when, from where)'
            cand verify 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift'
            cand migrate 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;locker;list'= {
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;locker;show'= {
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;locker;find'= {
            cand --hash 'A digest in hex, either case (length picks the algorithm; 64 digits searches SHA-256 and BLAKE3)'
            cand --name 'A path pattern: a glob with * and ?, or an SQL LIKE pattern (% and _) when it holds no * or ?'
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;locker;audit'= {
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;locker;verify'= {
            cand --store 'The content-addressed store the bundles were copied into'
            cand --trust 'Trust store directory [default: HOME/trust]'
            cand --key 'When the bundle is age-encrypted: decrypt with this key (id or unique hex prefix) [default: every own key with an encryption recipient]'
            cand --passphrase-file 'Read the passphrase of the decrypting key from the first line of FILE'
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;locker;migrate'= {
            cand --from 'The SQLite locker to copy (only read; it must be at this evidentia''s schema version)'
            cand --to 'The empty locker to copy it into: a postgresql:// URL (lab build; the password from ~/.pgpass, PGPASSFILE or a prompt) or a SQLite file'
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;locker;help'= {
            cand list 'List the bundles with case, items and status'
            cand show 'Show one bundle (by bundle id) or every bundle of a case'
            cand find 'Find files across all bundles by hash or by name (exit 1 when none)'
            cand audit 'Show the audit log (who ingested what, when, from where)'
            cand verify 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift'
            cand migrate 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;locker;help;list'= {
        }
        &'evidentia;locker;help;show'= {
        }
        &'evidentia;locker;help;find'= {
        }
        &'evidentia;locker;help;audit'= {
        }
        &'evidentia;locker;help;verify'= {
        }
        &'evidentia;locker;help;migrate'= {
        }
        &'evidentia;locker;help;help'= {
        }
        &'evidentia;match'= {
            cand --trust 'Trust store for verifying bundle targets [default: HOME/trust]'
            cand --hashset 'Hash set to match against (repeatable)'
            cand --locker 'The locker: a SQLite file, or a postgresql:// URL (lab build) [env: EVIDENTIA_LOCKER] [default: <home>/locker.db]'
            cand --home 'Directory holding keys, the trust store and the default locker [default: the platform data directory, e.g. ~/.local/share/evidentia]'
            cand --color 'When to use colour (NO_COLOR is honoured in auto mode)'
            cand --locker-files 'Match every file recorded in the locker'
            cand --json 'Machine output on stdout: one JSON document, or JSON Lines for streams'
            cand -q 'Only errors on stderr (no warnings, notes or progress)'
            cand --quiet 'Only errors on stderr (no warnings, notes or progress)'
            cand --no-progress 'Never show a progress bar'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'evidentia;demo'= {
            cand --dir 'A new or empty directory for the demo''s homes, evidence, bundle and report [default: ./evidentia-demo]'
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
            cand hash 'Hash files, trees, devices, standard input or an E01 set''s media, or check a hash list'
            cand acquire 'Image a device, image file, E01 set or stream with on-the-fly hashing'
            cand capture 'Capture traffic data (live or from a pcap) into signed, hash-chained segments'
            cand seal 'Package evidence into a bundle (BagIt 1.0 in a zip, with a custody seal)'
            cand verify 'Check a bundle completely: exit 0 only if everything holds'
            cand report 'Write a custody and integrity report (HTML, Markdown, JSON, CASE/UCO JSON-LD)'
            cand export 'Disclose some files of a bundle, each proven as sealed, the rest hidden'
            cand custody 'Add signed custody events to a bundle, or show its custody chain'
            cand receive 'Verify a bundle transferred to you, then sign its receipt'
            cand repair 'Finish an interrupted append: restore the bundle''s original bytes'
            cand encrypt 'Encrypt a bundle for the receiving examiner or lab (age; FILE.age)'
            cand decrypt 'Decrypt an encrypted bundle with your key (exit 1 if it was altered)'
            cand key 'Make, list, show, export, certify and import keys; keep other parties'' certificates'
            cand trust 'Manage the trust store: agency root keys and single keys'
            cand sign 'Sign a file into FILE.minisig, or verify one (--verify)'
            cand hashset 'Import and list known-hash sets (NSRL RDS v3, hashdeep, sums lists)'
            cand ingest 'Verify bundles and record them in the evidence locker'
            cand locker 'Query the evidence locker: list, show, find, audit, verify'
            cand match 'Match files against known-hash sets (exit 1 on a known-bad match)'
            cand demo 'Run the whole flow on the embedded sample image in a fresh directory'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand man 'Write the man pages into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'evidentia;help;hash'= {
        }
        &'evidentia;help;acquire'= {
        }
        &'evidentia;help;capture'= {
        }
        &'evidentia;help;seal'= {
        }
        &'evidentia;help;verify'= {
        }
        &'evidentia;help;report'= {
        }
        &'evidentia;help;export'= {
        }
        &'evidentia;help;custody'= {
            cand add 'Verify the bundle, then sign and append a custody event'
            cand show 'Show the custody chain as a timeline, with signatures and the head'
        }
        &'evidentia;help;custody;add'= {
        }
        &'evidentia;help;custody;show'= {
        }
        &'evidentia;help;receive'= {
        }
        &'evidentia;help;repair'= {
        }
        &'evidentia;help;encrypt'= {
        }
        &'evidentia;help;decrypt'= {
        }
        &'evidentia;help;key'= {
            cand new 'Make an Ed25519 signing key bound to an identity; prints its id and fingerprint'
            cand list 'List own keys, and other parties'' certificates kept by `key import`'
            cand show 'Show one key (default: the only key)'
            cand export 'Print a public key: the evidentia public key file, SPKI PEM or minisign; or the age encryption recipient or secret identity'
            cand certify 'Certify an examiner''s public key with an agency root key (certificate to stdout)'
            cand import 'Store a certificate: for one of your own keys (from `key certify`), or keep another party''s (e.g. FILE.cert from `sign --with-cert`) when its issuer is a root in your trust store, for checking that party''s signatures'
            cand remove 'Take away another party''s certificate kept by `key import` (never one of your own keys)'
            cand add-recipient 'Give a key made before evidentia encrypted its encryption recipient (derived from the key; needs re-certification)'
        }
        &'evidentia;help;key;new'= {
        }
        &'evidentia;help;key;list'= {
        }
        &'evidentia;help;key;show'= {
        }
        &'evidentia;help;key;export'= {
        }
        &'evidentia;help;key;certify'= {
        }
        &'evidentia;help;key;import'= {
        }
        &'evidentia;help;key;remove'= {
        }
        &'evidentia;help;key;add-recipient'= {
        }
        &'evidentia;help;trust'= {
            cand add 'Trust a public key file (evidentia or minisign format); prints its fingerprint to confirm with the owner by phone or on paper'
            cand list 'List trusted keys'
            cand remove 'Stop trusting a key'
        }
        &'evidentia;help;trust;add'= {
        }
        &'evidentia;help;trust;list'= {
        }
        &'evidentia;help;trust;remove'= {
        }
        &'evidentia;help;sign'= {
        }
        &'evidentia;help;hashset'= {
            cand import 'Import an NSRL RDS v3 database, a hashdeep file or a sums list'
            cand list 'List the hash sets in the locker'
        }
        &'evidentia;help;hashset;import'= {
        }
        &'evidentia;help;hashset;list'= {
        }
        &'evidentia;help;ingest'= {
        }
        &'evidentia;help;locker'= {
            cand list 'List the bundles with case, items and status'
            cand show 'Show one bundle (by bundle id) or every bundle of a case'
            cand find 'Find files across all bundles by hash or by name (exit 1 when none)'
            cand audit 'Show the audit log (who ingested what, when, from where)'
            cand verify 'Re-verify the stored bundles and compare them with the locker records; exit 1 on any drift'
            cand migrate 'Copy a SQLite locker, audit rows and all, into an empty locker (a postgresql:// URL in the lab) and verify every table'
        }
        &'evidentia;help;locker;list'= {
        }
        &'evidentia;help;locker;show'= {
        }
        &'evidentia;help;locker;find'= {
        }
        &'evidentia;help;locker;audit'= {
        }
        &'evidentia;help;locker;verify'= {
        }
        &'evidentia;help;locker;migrate'= {
        }
        &'evidentia;help;match'= {
        }
        &'evidentia;help;demo'= {
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
