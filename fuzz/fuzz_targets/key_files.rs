#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| evidentia::fuzzing::key_files(data));
