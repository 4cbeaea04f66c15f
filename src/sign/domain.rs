//! Signature kinds: every minisign signature evidentia makes or accepts
//! belongs to one kind, told apart by its trusted comment, so a signature
//! made for one purpose is never accepted for another (a root's plain
//! `sign` of a JSON file is not a key certificate; a custody event's
//! signature does not certify a key). The prefixes are documented in
//! `docs/formats/keys.md`.

/// Every trusted comment of an evidentia-internal signature kind starts
/// with this; `evidentia sign` never writes it (its comments start with
/// `timestamp:`), and `sign --verify` refuses it.
pub const RESERVED_PREFIX: &str = "evidentia ";
/// The trusted comment of a key certificate starts with this; the whole
/// comment is [`super::Certificate::trusted_comment`].
pub const CERTIFICATE_PREFIX: &str = "evidentia key certificate\t";
/// The trusted comment of a custody event signature starts with this
/// (`evidentia custody-event bundle:<id> seq:<n> key:<key id>`).
pub const CUSTODY_EVENT_PREFIX: &str = "evidentia custody-event ";
/// The trusted comment of a capture segment record's signature starts with
/// this (`evidentia capture-segment capture:<id> seq:<n> key:<key id>`).
pub const CAPTURE_SEGMENT_PREFIX: &str = "evidentia capture-segment ";
/// The trusted comment of a capture's `capture.json` signature starts with
/// this (`evidentia capture-end capture:<id> key:<key id>`).
pub const CAPTURE_END_PREFIX: &str = "evidentia capture-end ";
/// The trusted comment `evidentia sign` writes starts with this.
pub const FILE_PREFIX: &str = "timestamp:";

/// The kind of a signature, from its trusted comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// A key certificate by a root.
    Certificate,
    /// A custody event.
    CustodyEvent,
    /// A capture's segment record or end record.
    Capture,
    /// Another evidentia-internal kind (reserved prefix).
    Reserved,
    /// A file signature (`evidentia sign`, or stock minisign).
    File,
}

impl SignatureKind {
    /// The kind of a signature with `trusted_comment`.
    pub fn of(trusted_comment: &str) -> SignatureKind {
        if trusted_comment.starts_with(CERTIFICATE_PREFIX) {
            SignatureKind::Certificate
        } else if trusted_comment.starts_with(CUSTODY_EVENT_PREFIX) {
            SignatureKind::CustodyEvent
        } else if trusted_comment.starts_with(CAPTURE_SEGMENT_PREFIX)
            || trusted_comment.starts_with(CAPTURE_END_PREFIX)
        {
            SignatureKind::Capture
        } else if trusted_comment.starts_with(RESERVED_PREFIX) {
            SignatureKind::Reserved
        } else {
            SignatureKind::File
        }
    }

    /// Its name for people.
    pub fn name(self) -> &'static str {
        match self {
            SignatureKind::Certificate => "key certificate",
            SignatureKind::CustodyEvent => "custody event",
            SignatureKind::Capture => "capture record",
            SignatureKind::Reserved => "evidentia-internal",
            SignatureKind::File => "file",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart_by_prefix() {
        let k = SignatureKind::of;
        assert_eq!(
            k("evidentia key certificate\tsubject:a\tissuer:b\tissued:c"),
            SignatureKind::Certificate
        );
        assert_eq!(
            k("evidentia custody-event bundle:x seq:1 key:k"),
            SignatureKind::CustodyEvent
        );
        assert_eq!(k("evidentia other"), SignatureKind::Reserved);
        assert_eq!(k("timestamp:1\tfile:x\tkey:k"), SignatureKind::File);
        // Without the tab it is not a certificate comment, but still reserved.
        assert_eq!(k("evidentia key certificate"), SignatureKind::Reserved);
    }
}
