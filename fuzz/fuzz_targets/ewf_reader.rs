//! The EWF-E01 reader: see `evidentia::fuzzing::ewf_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evidentia::fuzzing::ewf_reader(data));
