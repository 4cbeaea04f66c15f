#!/bin/sh
# Run every fuzz target in turn, each for $SECS seconds (default 600), at the
# lowest priority, on the working corpus fuzz/corpus-work/<target> (seed it
# from fuzz/corpus/<target>), logging to fuzz/logs/<target>.log. Usage:
#   fuzz/scripts/run-all.sh [target...]
set -u
cd "$(dirname "$0")/../.."
SECS=${SECS:-600}
TARGETS=${*:-"zip_reader verify_bundle manifest_json custody_event minisign key_files hash_list case_meta hashset_import age_file disclosure_proofs pcap_reader ewf_reader"}
mkdir -p fuzz/logs
export TMPDIR=${TMPDIR:-/dev/shm}
for t in $TARGETS; do
    case $t in
        zip_reader|verify_bundle) max_len=1048576 ;;
        hashset_import|ewf_reader) max_len=65536 ;;
        *) max_len=16384 ;;
    esac
    mkdir -p "fuzz/corpus-work/$t"
    echo "== $t start $(date -u +%FT%TZ) max_len=$max_len" >> fuzz/logs/summary.log
    nice -n 19 cargo +nightly fuzz run -s none "$t" "fuzz/corpus-work/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -max_len="$max_len" -timeout=20 \
        -print_final_stats=1 > "fuzz/logs/$t.log" 2>&1
    rc=$?
    echo "== $t end $(date -u +%FT%TZ) rc=$rc" >> fuzz/logs/summary.log
    grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|stat::new_units_added' "fuzz/logs/$t.log" |
        sed "s/^/$t: /" >> fuzz/logs/summary.log
done
