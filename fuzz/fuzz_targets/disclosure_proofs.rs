#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| evidentia::fuzzing::disclosure_proofs(data));
