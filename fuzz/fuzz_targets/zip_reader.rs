#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| evidentia::fuzzing::zip_reader(data));
