//! `evidentia acquire`: image files, standard input, split images, verify,
//! error cases, a real loop device and (where the kernel has it) a
//! device-mapper table with an `error` target for real unreadable sectors.

use crate::harness::{Env, kernel_lacks, peer, run_peer, skip};
use evidentia::acquire::{
    AcquisitionRecord, ByteRange, Outcome, SourceKind, read_record, verify_image,
};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251 + 1) as u8).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    evidentia::hash::to_hex(&sha2::Sha256::digest(data))
}

fn image_of(dir: &Path, rec: &AcquisitionRecord) -> Vec<u8> {
    let mut v = Vec::new();
    for s in &rec.image.segments {
        v.extend(std::fs::read(dir.join(&s.name)).unwrap());
    }
    v
}

#[test]
fn acquire_image_file_hash_matches_sha256sum() {
    let env = Env::new();
    let data = pattern(3 * 1024 * 1024 + 123);
    env.write("evidence.dd", &data);
    env.run([
        "acquire",
        "evidence.dd",
        "--out",
        "acq",
        "--case",
        "2026-041",
        "--item",
        "USB-1",
        "--examiner",
        "A. Examiner",
        "--algo",
        "sha256,md5,blake3",
        "--piece",
        "1M",
    ])
    .expect_code(0);
    let dir = env.path().join("acq");
    let rec = read_record(&dir).expect("record parses strictly");
    assert!(rec.complete);
    assert_eq!(rec.source.kind, SourceKind::File);
    assert_eq!(rec.source.size, Some(data.len() as u64));
    assert_eq!(rec.case.case_id.as_deref(), Some("2026-041"));
    assert_eq!(rec.image.segments.len(), 1);
    assert_eq!(rec.image.segments[0].name, "image.raw");
    assert_eq!(rec.pieces.as_ref().unwrap().sha256.len(), 4);
    assert!(rec.command_line.iter().any(|a| a == "--examiner"));
    assert_eq!(rec.hashes["sha256"], sha256_hex(&data));
    assert!(std::fs::read(dir.join("image.raw")).unwrap() == data);
    let log = std::fs::read_to_string(dir.join("acquisition.txt")).unwrap();
    assert!(log.contains("Case Number: 2026-041"), "{log}");
    assert!(log.contains(&rec.hashes["sha256"]));
    let map = std::fs::read_to_string(dir.join("image.map")).unwrap();
    assert!(
        map.contains(&format!("0x00000000  0x{:08X}  +", data.len())),
        "{map}"
    );

    let Some(tool) = peer("sha256sum") else {
        return;
    };
    let out = run_peer(&tool, &[OsStr::new("acq/image.raw")], env.path());
    let line = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        line.split_whitespace().next(),
        Some(rec.hashes["sha256"].as_str())
    );
}

#[test]
fn acquire_stdin_stream() {
    let env = Env::new();
    let data = pattern(2 * 1024 * 1024 + 4097);
    let run = env.run_stdin(["acquire", "-", "--out", "s", "--verify"], &data);
    run.expect_code(0);
    let rec = read_record(&env.path().join("s")).unwrap();
    assert_eq!(rec.source.kind, SourceKind::Stream);
    assert_eq!(rec.source.size, Some(data.len() as u64));
    assert_eq!(rec.hashes["sha256"], sha256_hex(&data));
    let v = rec.verification.unwrap();
    assert_eq!(v.outcome, Outcome::Passed);
    assert_eq!(v.checks.len(), 1, "a stream cannot be re-read");
    assert!(v.source_not_checked.is_some());
}

#[test]
fn acquire_split_segments_concatenate_to_the_source() {
    let env = Env::new();
    let data = pattern(5 * 1024 * 1024 + 1000);
    env.write("src.bin", &data);
    env.run([
        "acquire",
        "src.bin",
        "--out",
        "split",
        "--split",
        "2M",
        "--block-size",
        "1M",
    ])
    .expect_code(0);
    let dir = env.path().join("split");
    let rec = read_record(&dir).unwrap();
    let names: Vec<&str> = rec.image.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["image.000", "image.001", "image.002"]);
    assert!(image_of(&dir, &rec) == data);
}

#[test]
fn acquire_verify_passes_and_detects_a_corrupted_image() {
    let env = Env::new();
    let data = pattern(3 * 1024 * 1024);
    env.write("src.bin", &data);
    let run = env.run(["acquire", "src.bin", "--out", "v", "--verify"]);
    run.expect_code(0);
    assert!(run.stdout_str().contains("verification: passed"));
    let dir = env.path().join("v");
    let rec = read_record(&dir).unwrap();
    let v = rec.verification.as_ref().unwrap();
    assert_eq!(v.outcome, Outcome::Passed);
    let targets: Vec<&str> = v.checks.iter().map(|c| c.target.as_str()).collect();
    assert_eq!(targets, ["image", "source"]);

    let img = dir.join("image.raw");
    let mut bytes = std::fs::read(&img).unwrap();
    bytes[1_000_000] ^= 0x40;
    std::fs::write(&img, bytes).unwrap();
    let check = verify_image(&dir, &rec, 1 << 20, &mut |_| {}).unwrap();
    assert!(!check.matches, "a flipped bit must fail verification");
}

#[test]
fn acquire_json_prints_the_record() {
    let env = Env::new();
    env.write("src.bin", b"tiny evidence");
    let run = env.run(["acquire", "src.bin", "--out", "j", "--json"]);
    run.expect_code(0);
    let rec: AcquisitionRecord = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(rec.image.size, 13);
    assert_eq!(rec, read_record(&env.path().join("j")).unwrap());
}

#[test]
fn acquire_refuses_an_existing_out_dir_and_bad_locations() {
    let env = Env::new();
    env.write("src.bin", b"data");
    std::fs::create_dir(env.path().join("taken")).unwrap();
    let run = env.run(["acquire", "src.bin", "--out", "taken"]);
    run.expect_code(2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(env.path().join("taken")).unwrap().count(),
        0
    );

    let run = env.run(["acquire", "src.bin", "--out", "no/such/parent"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no/such/parent"), "{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);

    let run = env.run(["acquire", "missing.bin", "--out", "m"]);
    run.expect_code(2);
    assert!(run.stderr.contains("missing.bin"), "{}", run.stderr);
    assert!(
        !env.path().join("m").exists(),
        "no directory for a missing source"
    );
}

/// Runs a command as root, returning stdout on success.
fn sys(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "note: {cmd} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A read-only loop device, detached on drop.
struct Loop(String);

impl Loop {
    fn attach(file: &Path) -> Option<Loop> {
        let f = file.to_str()?;
        sys("losetup", &["--find", "--show", "--read-only", f]).map(Loop)
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = sys("losetup", &["-d", &self.0]);
    }
}

/// A device-mapper table, removed on drop (before its loop device).
struct Dm(String);

impl Drop for Dm {
    fn drop(&mut self) {
        let _ = sys("dmsetup", &["remove", "--retry", &self.0]);
    }
}

#[test]
fn acquire_loop_device_records_device_metadata() {
    let env = Env::new();
    let data = pattern(4 * 1024 * 1024);
    let file = env.write("disk.img", &data);
    let Some(dev) = Loop::attach(&file) else {
        skip("losetup is not permitted here");
        return;
    };
    env.run(["acquire", &dev.0, "--out", "d", "--verify"])
        .expect_code(0);
    let rec = read_record(&env.path().join("d")).unwrap();
    assert_eq!(rec.source.kind, SourceKind::Device);
    assert_eq!(rec.source.size, Some(data.len() as u64));
    assert_eq!(rec.source.logical_sector_size, 512);
    let d = rec.source.device.as_ref().expect("device metadata");
    let name = PathBuf::from(&dev.0);
    assert_eq!(
        d.kernel_name.as_deref(),
        name.file_name().and_then(|n| n.to_str())
    );
    assert_eq!(d.removable, Some(false));
    assert_eq!(d.backing_file.as_deref(), file.to_str());
    assert_eq!(rec.hashes["sha256"], sha256_hex(&data));
    assert_eq!(rec.verification.unwrap().outcome, Outcome::Passed);
}

#[test]
fn acquire_device_mapper_error_target_zero_fills_exactly_the_bad_sectors() {
    let env = Env::new();
    let sectors = 4096u64; // 2 MiB
    let data = pattern(sectors as usize * 512);
    let file = env.write("disk.img", &data);
    let Some(lo) = Loop::attach(&file) else {
        skip("losetup is not permitted here");
        return;
    };
    // Sectors 1001-1003 and 2050 fail; neither is aligned to a 4 KiB page,
    // so only exact sector-level recovery gets every other sector back.
    let table = format!(
        "0 1001 linear {l} 0\n1001 3 error\n1004 1046 linear {l} 1004\n\
         2050 1 error\n2051 {rest} linear {l} 2051\n",
        l = lo.0,
        rest = sectors - 2051
    );
    let name = format!("evidentia-test-{}", std::process::id());
    let mut child = match Command::new("dmsetup")
        .args(["create", &name])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            skip(format_args!("dmsetup is not available: {e}"));
            return;
        }
    };
    {
        use std::io::Write;
        let _ = child
            .stdin
            .take()
            .map(|mut s| s.write_all(table.as_bytes()));
    }
    let out = child.wait_with_output().expect("dmsetup");
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        // The kernel has no device-mapper driver (its control device
        // answers ENODEV): nothing CI installs can change that.
        if why.contains("/dev/mapper/control: open failed: No such device") {
            kernel_lacks(format_args!("device-mapper: {}", why.trim()));
        } else {
            skip(format_args!(
                "device-mapper is not available here: {}",
                why.trim()
            ));
        }
        return;
    }
    let dm = Dm(name.clone());
    let dev = format!("/dev/mapper/{}", dm.0);
    let run = env.run(["acquire", &dev, "--out", "bad", "--retries", "1"]);
    run.expect_code(1);
    let dir = env.path().join("bad");
    let rec = read_record(&dir).unwrap();
    assert!(rec.complete);
    assert_eq!(
        rec.bad_sectors.ranges,
        vec![
            ByteRange {
                offset: 1001 * 512,
                length: 3 * 512
            },
            ByteRange {
                offset: 2050 * 512,
                length: 512
            },
        ]
    );
    assert_eq!(rec.bad_sectors.count, 4);
    let mut expected = data.clone();
    expected[1001 * 512..1004 * 512].fill(0);
    expected[2050 * 512..2051 * 512].fill(0);
    assert!(image_of(&dir, &rec) == expected);
    assert_eq!(rec.hashes["sha256"], sha256_hex(&expected));
    drop(dm);
    drop(lo);
}

#[test]
fn acquire_full_disk_is_a_clear_error() {
    let env = Env::new();
    let mnt = env.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let m = mnt.to_str().expect("a UTF-8 temporary directory");
    if sys("mount", &["-t", "tmpfs", "-o", "size=1m", "tmpfs", m]).is_none() {
        skip("cannot mount a small tmpfs here");
        return;
    }
    struct Umount(String);
    impl Drop for Umount {
        fn drop(&mut self) {
            let _ = sys("umount", &[&self.0]);
        }
    }
    let _guard = Umount(m.to_string());
    env.write("src.bin", &pattern(3 * 1024 * 1024));
    let run = env.run(["acquire", "src.bin", "--out", "small/acq"]);
    run.expect_code(2);
    assert!(run.stderr.contains("No space left"), "{}", run.stderr);
    assert!(run.stderr.contains("small/acq/image.raw"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint: the output disk is full"),
        "{}",
        run.stderr
    );
    if let Ok(rec) = read_record(&mnt.join("acq")) {
        assert!(!rec.complete);
    }
}

#[test]
fn acquire_to_a_read_only_location_is_a_clear_error() {
    let env = Env::new();
    let mnt = env.path().join("ro");
    std::fs::create_dir(&mnt).unwrap();
    let m = mnt.to_str().expect("a UTF-8 temporary directory");
    if sys("mount", &["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", m]).is_none() {
        skip("cannot mount a read-only tmpfs here");
        return;
    }
    struct Umount(String);
    impl Drop for Umount {
        fn drop(&mut self) {
            let _ = sys("umount", &[&self.0]);
        }
    }
    let _guard = Umount(m.to_string());
    env.write("src.bin", &pattern(64 * 1024));
    let run = env.run(["acquire", "src.bin", "--out", "ro/acq"]);
    run.expect_code(2);
    assert!(run.stderr.contains("ro/acq"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Read-only file system"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: the output location is on a read-only file system"),
        "{}",
        run.stderr
    );
    assert!(!mnt.join("acq").exists());
}

#[test]
fn acquire_sigint_stops_cleanly_and_records_incomplete() {
    let env = Env::new();
    let mut child = env
        .cmd(["acquire", "-", "--out", "int", "--block-size", "4K"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    {
        use std::io::Write;
        stdin.write_all(&pattern(64 * 1024)).unwrap();
        stdin.flush().unwrap();
    }
    // Wait until the first bytes reached the image, keeping stdin open so
    // the read blocks, then interrupt.
    let img = env.path().join("int/image.raw");
    for _ in 0..200 {
        if std::fs::metadata(&img).map(|m| m.len()).unwrap_or(0) >= 64 * 1024 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec = read_record(&env.path().join("int")).unwrap();
    assert!(!rec.complete);
    assert_eq!(rec.stopped.as_deref(), Some("interrupted"));
    assert_eq!(rec.image.size, 64 * 1024);
}
