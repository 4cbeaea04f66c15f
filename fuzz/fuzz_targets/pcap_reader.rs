#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| evidentia::fuzzing::pcap_reader(data));
