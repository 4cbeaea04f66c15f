use super::*;
use crate::crypt::encrypt_file;
use crate::sign::agekey::derive;

fn id(n: u8) -> AgeIdentity {
    derive(&[n; 32], &[n; 32]).unwrap()
}

/// A ciphertext of `len` pseudo-random bytes for identity 1 (and 2).
fn sample(dir: &Path, len: usize) -> (PathBuf, Vec<u8>) {
    let plain: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
    let p = dir.join("b.zip");
    std::fs::write(&p, &plain).unwrap();
    let c = dir.join("b.zip.age");
    let rs = [id(1).to_public(), id(2).to_public()];
    let e = encrypt_file(&p, &rs, &c).unwrap();
    assert_eq!(e.plain_bytes, len as u64);
    assert_eq!(e.cipher_bytes, std::fs::metadata(&c).unwrap().len());
    std::fs::remove_file(&p).unwrap();
    (c, plain)
}

/// Names in `dir` other than `keep`.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn round_trip_file_and_private_copy() {
    let d = tempfile::tempdir().unwrap();
    let (c, plain) = sample(d.path(), 200_000);
    let out = d.path().join("out.zip");
    let info = decrypt_file(&c, &[id(3), id(2)], &out).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), plain);
    assert_eq!(info.plain_bytes, plain.len() as u64);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let err = decrypt_file(&c, &[id(1)], &out).unwrap_err();
    assert!(matches!(err, CryptError::Exists(_)), "{err}");
    let copy = decrypt_private(&c, &[id(1)], d.path()).unwrap();
    assert_eq!(std::fs::read(copy.path()).unwrap(), plain);
    assert_eq!(copy.info.cipher_sha256, info.cipher_sha256);
    let p = copy.path().to_path_buf();
    assert!(
        p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with(".evidentia-tmp")
    );
    drop(copy);
    assert!(!p.exists());
}

#[test]
fn not_for_you_names_what_the_header_holds() {
    let d = tempfile::tempdir().unwrap();
    let (c, _) = sample(d.path(), 10);
    let err = decrypt_file(&c, &[id(9)], &d.path().join("o")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: this file is for 2 recipients (X25519), none of them your keys",
            c.display()
        )
    );
    assert_eq!(leftovers(d.path(), &["b.zip.age"]), Vec::<String>::new());
}

#[test]
fn every_cut_and_flip_leaves_nothing() {
    let d = tempfile::tempdir().unwrap();
    let (c, _) = sample(d.path(), 3 * 65536 + 100);
    let good = std::fs::read(&c).unwrap();
    let bad = d.path().join("bad.age");
    let header_end = good.windows(4).position(|w| w == b"\n---").unwrap();
    let mut cases: Vec<Vec<u8>> = vec![];
    for cut in [
        header_end + 10,
        header_end + 60,
        65536 + 200,
        2 * 65552 + 250,
        good.len() - 1,
    ] {
        cases.push(good[..cut].to_vec());
    }
    for at in [30, header_end + 2, header_end + 70, 70_000, good.len() - 5] {
        let mut f = good.clone();
        f[at] ^= 0x01;
        cases.push(f);
    }
    cases.push([&good[..], b"trailing"].concat());
    for (i, case) in cases.iter().enumerate() {
        std::fs::write(&bad, case).unwrap();
        let out = d.path().join("out.zip");
        let err = decrypt_file(&bad, &[id(1)], &out).unwrap_err();
        let ok = matches!(err, CryptError::Altered { .. })
            || (i == 5 && matches!(err, CryptError::NotForYou { .. }));
        assert!(ok, "case {i}: {err}");
        assert!(!out.exists(), "case {i}");
        let err = decrypt_private(&bad, &[id(1)], d.path()).err().unwrap();
        assert!(!matches!(err, CryptError::NotAge { .. }), "case {i}: {err}");
        assert_eq!(
            leftovers(d.path(), &["b.zip.age", "bad.age"]),
            Vec::<String>::new(),
            "case {i}"
        );
    }
}

#[test]
fn what_is_not_age_is_named() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("x");
    for (bytes, want) in [
        (&b"PK\x03\x04rest"[..], "a bundle that is not encrypted"),
        (b"", "it is empty"),
        (b"hello", "does not start with"),
    ] {
        std::fs::write(&p, bytes).unwrap();
        let err = decrypt_file(&p, &[id(1)], &d.path().join("o")).unwrap_err();
        assert!(
            matches!(err, CryptError::NotAge { .. }) && err.to_string().contains(want),
            "{err}"
        );
    }
    std::fs::write(&p, b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n").unwrap();
    let err = decrypt_file(&p, &[id(1)], &d.path().join("o")).unwrap_err();
    assert!(matches!(err, CryptError::Armored { .. }), "{err}");
    assert_eq!(leftovers(d.path(), &["x"]), Vec::<String>::new());
}
