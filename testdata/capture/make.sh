#!/bin/sh
# Regenerate the capture test vectors (run as root, from this directory,
# with tcpdump, dumpcap, editcap, mergecap installed). See README.md.
set -eu
FILTER='port 47019 or port 47020'
cap() { # cap IFACE OUT [tcpdump options...]: capture while send.py runs
    iface=$1 out=$2; shift 2
    tcpdump -i "$iface" -U -s 0 "$@" -w "$out" "$FILTER" 2>/dev/null & pid=$!
    sleep 1.5; python3 send.py; sleep 1; kill -INT $pid; wait $pid || true
}
cap lo lo.pcap
cap lo lo-nsec-native.pcap --time-stamp-precision=nano
cap any any-sll.pcap -y LINUX_SLL   # LINKTYPE_LINUX_SLL (113)
cap any any-sll2.pcap -y LINUX_SLL2   # LINKTYPE_LINUX_SLL2 (276)
editcap -F pcapng lo.pcap lo.pcapng
editcap -F nsecpcap lo.pcap lo-nsec.pcap
mergecap -F pcapng -w mixed-linktypes.pcapng lo.pcap any-sll.pcap any-sll2.pcap
cat lo.pcapng mixed-linktypes.pcapng > two-sections.pcapng
python3 bigendian.py lo.pcap lo-be.pcap
# dumpcap's own pcapng (SHB/IDB options, an ISB at the end)
dumpcap -q -i lo -f "$FILTER" -w dumpcap.pcapng 2>/dev/null & pid=$!
sleep 1.5; python3 send.py; sleep 1; kill -INT $pid; wait $pid || true
chmod 644 ./*.pcap ./*.pcapng
