//! Unit tests of trust resolution: direct, certified, root keys, proven
//! identities, certificate comments and name constraints.

use super::*;
use crate::sign::keyfile::{KeyFile, Protection};
use crate::sign::pubfile::AnyPublicKey;
use crate::sign::signer::Signer;

fn signer(root: bool) -> Signer {
    let id = Identity::new("A", "B", "CZ", None, None).unwrap();
    let (f, k) = KeyFile::generate(id, root, 0, Protection::None).unwrap();
    Signer::new(&f, k, None)
}

/// A root here may certify "Org (DE)" besides its own "B (CZ)".
fn scope(root: bool) -> Vec<crate::sign::CertifyScope> {
    if root {
        vec![crate::sign::CertifyScope::new("Org", "DE").unwrap()]
    } else {
        vec![]
    }
}

fn trust(dir: &std::path::Path, s: &Signer, root: bool) -> TrustStore {
    let mut t = TrustStore::open(dir).unwrap();
    t.add(
        &AnyPublicKey {
            recipient: None,
            public_key: s.public_key(),
            identity: Some(s.identity().clone()),
            root: false,
        },
        root,
        &scope(root),
        0,
    )
    .unwrap();
    t
}

#[test]
fn direct_and_untrusted_and_tampered() {
    let dir = tempfile::tempdir().unwrap();
    let s = signer(false);
    let sig = s.sign(b"data", "t");
    let bundled = BundledKeys {
        public_keys: vec![s.public_key_file()],
        certificates: vec![],
    };
    let empty = TrustStore::empty();
    assert_eq!(
        verify_signature(&empty, b"data", &sig, &BundledKeys::default(), 0).status,
        SignatureStatus::UnknownKey
    );
    assert_eq!(
        verify_signature(&empty, b"data", &sig, &bundled, 0).status,
        SignatureStatus::ValidUntrusted
    );
    let t = trust(dir.path(), &s, false);
    let c = verify_signature(&t, b"data", &sig, &BundledKeys::default(), 0);
    assert_eq!(
        c.status,
        SignatureStatus::Trusted {
            via: TrustPath::Direct
        }
    );
    assert_eq!(c.key_id, Some(s.key_id()));
    assert!(matches!(
        verify_signature(&t, b"dat", &sig, &bundled, 0).status,
        SignatureStatus::Invalid { .. }
    ));
    assert!(matches!(
        verify_signature(&t, b"data", b"junk", &bundled, 0).status,
        SignatureStatus::Malformed { .. }
    ));
}

#[test]
fn certified_by_root_in_window_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = signer(true);
    let ex = signer(false);
    let ident = Identity::new("Ex", "Org", "DE", None, Some("examiner")).unwrap();
    let (c, cs) =
        Certificate::issue(root.secret_key(), ex.public_key(), ident, 100, 200, 100).unwrap();
    let bundled = BundledKeys {
        public_keys: vec![],
        certificates: vec![(c.clone(), cs.clone())],
    };
    let sig = ex.sign(b"x", "t");
    // Untrusted root: valid but untrusted.
    assert_eq!(
        verify_signature(&TrustStore::empty(), b"x", &sig, &bundled, 150).status,
        SignatureStatus::ValidUntrusted
    );
    let t = trust(dir.path(), &root, true);
    let ok = verify_signature(&t, b"x", &sig, &bundled, 150);
    assert_eq!(
        ok.status,
        SignatureStatus::Trusted {
            via: TrustPath::Root {
                root_id: root.key_id()
            }
        }
    );
    assert_eq!(ok.signer.as_ref().map(|i| i.name.as_str()), Some("Ex"));
    assert!(matches!(
        verify_signature(&t, b"x", &sig, &bundled, 201).status,
        SignatureStatus::CertificateExpired { .. }
    ));
    assert!(matches!(
        verify_signature(&t, b"x", &sig, &bundled, 99).status,
        SignatureStatus::CertificateNotYetValid { .. }
    ));
    // A flipped byte in the certificate.
    let mut bad = c.clone();
    let i = bad.iter().position(|&b| b == b'E').unwrap();
    bad[i] = b'F';
    let tampered = BundledKeys {
        public_keys: vec![ex.public_key_file()],
        certificates: vec![(bad, cs)],
    };
    assert_eq!(
        verify_signature(&t, b"x", &sig, &tampered, 150).status,
        SignatureStatus::ValidUntrusted
    );
    // A root trusted without the root flag certifies nothing.
    let dir2 = tempfile::tempdir().unwrap();
    let t2 = trust(dir2.path(), &root, false);
    assert_eq!(
        verify_signature(&t2, b"x", &sig, &bundled, 150).status,
        SignatureStatus::ValidUntrusted
    );
}

/// A store pinning `s` bare (no identity, not a root) and `root` as a
/// root of "B (CZ)" that may also certify "Org (DE)".
fn pinned_bare(dir: &std::path::Path, s: &Signer, root: &Signer) -> TrustStore {
    let mut t = trust(dir, root, true);
    let bare = AnyPublicKey {
        recipient: None,
        public_key: s.public_key(),
        identity: None,
        root: false,
    };
    t.add(&bare, false, &[], 0).unwrap();
    t
}

#[test]
fn a_pinned_bare_key_is_named_only_by_a_proven_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ex, root, forger) = (signer(false), signer(true), signer(true));
    let t = pinned_bare(dir.path(), &ex, &root);
    let judge = Identity::new("Judge J. Smith", "Org", "DE", None, Some("judge")).unwrap();
    let sig = ex.sign(b"x", "t");
    let with = |cert: (Vec<u8>, Vec<u8>)| {
        let b = BundledKeys {
            public_keys: vec![],
            certificates: vec![cert],
        };
        verify_signature(&t, b"x", &sig, &b, 150)
    };
    let bare = with((b"{}".to_vec(), b"x".to_vec()));
    assert_eq!(
        bare.status,
        SignatureStatus::Trusted {
            via: TrustPath::Direct
        }
    );
    assert_eq!(bare.signer, None);
    // Forged by an untrusted key: trusted signature, still no identity.
    let forged = Certificate::issue(
        forger.secret_key(),
        ex.public_key(),
        judge.clone(),
        0,
        200,
        0,
    );
    let c = with(forged.unwrap());
    assert!(c.is_trusted());
    assert_eq!(c.signer, None);
    // The root's own plain signature over certificate bytes (any other
    // trusted comment) is not a certificate.
    let (bytes, _) =
        Certificate::issue(root.secret_key(), ex.public_key(), judge.clone(), 0, 200, 0).unwrap();
    let plain = root.sign(&bytes, "timestamp:0\tfile:x.cert.json\tkey:k");
    assert_eq!(with((bytes.clone(), plain)).signer, None);
    // Expired at the claimed time: no identity either.
    let old = Certificate::issue(root.secret_key(), ex.public_key(), judge.clone(), 0, 100, 0);
    assert_eq!(with(old.unwrap()).signer, None);
    // A real certificate within scope and window names the key.
    let good = Certificate::issue(root.secret_key(), ex.public_key(), judge.clone(), 0, 200, 0);
    assert_eq!(with(good.unwrap()).signer, Some(judge));
}

#[test]
fn plain_signature_by_a_root_is_not_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ex, root) = (signer(false), signer(true));
    let t = trust(dir.path(), &root, true);
    let who = Identity::new("Ex", "Org", "DE", None, None).unwrap();
    let (bytes, real) =
        Certificate::issue(root.secret_key(), ex.public_key(), who, 0, 200, 0).unwrap();
    let sig = ex.sign(b"x", "t");
    let plain = root.sign(&bytes, "timestamp:0\tfile:c.cert.json\tkey:k");
    let b = |s: Vec<u8>| BundledKeys {
        public_keys: vec![],
        certificates: vec![(bytes.clone(), s)],
    };
    let c = verify_signature(&t, b"x", &sig, &b(plain), 150);
    assert_eq!(c.status, SignatureStatus::ValidUntrusted);
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("not a certificate signature")),
        "{:?}",
        c.notes
    );
    assert!(verify_signature(&t, b"x", &sig, &b(real), 150).is_trusted());
}

#[test]
fn a_root_certifies_only_within_its_name_constraints() {
    let dir = tempfile::tempdir().unwrap();
    let (ex, root) = (signer(false), signer(true));
    let t = trust(dir.path(), &root, true);
    let outside = Identity::new("Ex", "Other Police", "FR", None, None).unwrap();
    let cert = Certificate::issue(root.secret_key(), ex.public_key(), outside, 0, 200, 0);
    let b = BundledKeys {
        public_keys: vec![],
        certificates: vec![cert.unwrap()],
    };
    let c = verify_signature(&t, b"x", &ex.sign(b"x", "t"), &b, 150);
    let SignatureStatus::CertificateOutOfScope {
        root_id,
        subject,
        may_certify,
    } = &c.status
    else {
        panic!("{:?}", c.status);
    };
    assert_eq!(*root_id, root.key_id());
    assert_eq!(subject, "Other Police (FR)");
    assert_eq!(may_certify, &["B (CZ)", "Org (DE)"]);
    assert!(c.status.reason().contains("name constraints"));
    assert_eq!(c.signer, None);
    // Case is ignored in the organisation.
    let lower = Identity::new("Ex", " org ", "DE", None, None).unwrap();
    let cert = Certificate::issue(root.secret_key(), ex.public_key(), lower, 0, 200, 0);
    let b = BundledKeys {
        public_keys: vec![],
        certificates: vec![cert.unwrap()],
    };
    assert!(verify_signature(&t, b"x", &ex.sign(b"x", "t"), &b, 150).is_trusted());
}

#[test]
fn a_root_signing_itself_and_signatures_out_of_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let root = signer(true);
    let t = trust(dir.path(), &root, true);
    let none = BundledKeys::default();
    let c = verify_signature(&t, b"x", &root.sign(b"x", "timestamp:1\tfile:x"), &none, 0);
    assert_eq!(
        c.status,
        SignatureStatus::Trusted {
            via: TrustPath::RootKey
        }
    );
    assert!(c.clone().require_file_kind().is_trusted());
    for comment in [
        "evidentia key certificate\tsubject:a\tissuer:b\tissued:c",
        "evidentia custody-event bundle:b seq:1 key:k",
    ] {
        let c = verify_signature(&t, b"x", &root.sign(b"x", comment), &none, 0);
        assert!(c.is_trusted());
        let c = c.require_file_kind();
        assert!(
            matches!(c.status, SignatureStatus::WrongKind { .. }),
            "{comment}"
        );
    }
}

#[test]
fn a_status_name_is_the_status_of_its_json() {
    let root_id = KeyId::derive(&[7; 32]);
    let all = [
        SignatureStatus::Trusted {
            via: TrustPath::Direct,
        },
        SignatureStatus::ValidUntrusted,
        SignatureStatus::CertificateExpired {
            root_id,
            valid_until: "2025-01-01T00:00:00Z".into(),
        },
        SignatureStatus::CertificateNotYetValid {
            root_id,
            valid_from: "2025-01-01T00:00:00Z".into(),
        },
        SignatureStatus::CertificateOutOfScope {
            root_id,
            subject: "Org (DE)".into(),
            may_certify: vec![],
        },
        SignatureStatus::WrongKind {
            kind: "custody event".into(),
        },
        SignatureStatus::UnknownKey,
        SignatureStatus::Invalid { reason: "x".into() },
        SignatureStatus::Malformed { reason: "x".into() },
    ];
    let mut seen = std::collections::BTreeSet::new();
    for s in all {
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["status"], s.as_str(), "{s:?}");
        assert!(seen.insert(s.as_str()));
    }
}
