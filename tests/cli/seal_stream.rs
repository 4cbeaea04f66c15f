//! Sealing a stream (a pipe): its length is known only at its end, so its
//! entry is written with ZIP64 sizes from the start. Without them, a pipe
//! of 4 GiB or more was read and written whole, then refused ("grew past
//! 4 GiB while being written").

use crate::bundle::{examiner, stock_tools_accept, trust, verify_json};
use crate::harness::Env;
use evidentia::bundle::Archive;

#[test]
fn a_pipe_is_sealed_with_zip64_sizes_whatever_its_length() {
    let env = Env::new();
    let id = examiner(&env, "Jana Examiner");
    trust(&env, &id);
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let args = [
        "seal",
        "/dev/stdin",
        "--out",
        "p.zip",
        "--case",
        "C-1",
        "--time",
        "2024-05-01T12:00:00Z",
    ];
    env.run_stdin(args, &data).expect_code(0);
    let bundle = env.path().join("p.zip");

    let (archive, issues) = Archive::open(&bundle).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    let e = archive
        .entries()
        .find(|e| e.name.ends_with("/data/stdin"))
        .expect("the stream's member");
    assert_eq!(e.size, data.len() as u64);
    // Its local header carries the ZIP64 extra field (id 1), sizes marked.
    let bytes = std::fs::read(&bundle).unwrap();
    let h = &bytes[e.header_offset as usize..];
    let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    let (name_len, extra_len) = (u16_at(26) as usize, u16_at(28) as usize);
    assert!(extra_len >= 20, "no ZIP64 field in the local header");
    assert_eq!(u16_at(30 + name_len), 1);
    assert_eq!(&h[18..26], &[0xff; 8], "sizes not marked for ZIP64");

    let (run, v) = verify_json(&env, &bundle);
    assert_eq!(
        (run.code, v["verdict"].as_str()),
        (0, Some("verified")),
        "{v:#}"
    );
    stock_tools_accept(&env, &bundle, "p");
}
