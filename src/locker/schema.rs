//! The locker schema and its forward migrations.
//!
//! `PRAGMA user_version` holds the number of migrations applied. Each
//! migration runs in its own IMMEDIATE transaction together with the bump
//! of `user_version`, so a crash leaves the locker at one version or the
//! next, never in between. Migrations are only ever appended to this list;
//! a released migration is never edited.

/// Every migration, in order; `MIGRATIONS[i]` takes version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: bundles, items, files, custody, signers, audit.
    r#"
CREATE TABLE bundles (
    id            INTEGER PRIMARY KEY,
    bundle_id     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    case_ref      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('verified', 'quarantined')),
    zip_sha256    TEXT NOT NULL,
    custody_head  TEXT,
    sealed_at     TEXT,
    ingested_at   TEXT NOT NULL,
    store_path    TEXT,
    case_json     TEXT NOT NULL DEFAULT '{}',
    problems_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX bundles_case ON bundles(case_ref);
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    bundle      INTEGER NOT NULL REFERENCES bundles(id),
    item_ref    TEXT NOT NULL,
    description TEXT,
    UNIQUE (bundle, item_ref)
);
CREATE TABLE files (
    id         INTEGER PRIMARY KEY,
    bundle     INTEGER NOT NULL REFERENCES bundles(id),
    path       TEXT NOT NULL,
    path_bytes BLOB,
    size       INTEGER NOT NULL,
    md5        BLOB,
    sha1       BLOB,
    sha256     BLOB,
    sha512     BLOB,
    blake3     BLOB,
    UNIQUE (bundle, path)
);
CREATE INDEX files_md5 ON files(md5) WHERE md5 IS NOT NULL;
CREATE INDEX files_sha1 ON files(sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX files_sha256 ON files(sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX files_sha512 ON files(sha512) WHERE sha512 IS NOT NULL;
CREATE INDEX files_blake3 ON files(blake3) WHERE blake3 IS NOT NULL;
CREATE TABLE custody_events (
    id           INTEGER PRIMARY KEY,
    bundle       INTEGER NOT NULL REFERENCES bundles(id),
    seq          INTEGER NOT NULL,
    action       TEXT NOT NULL,
    time         TEXT NOT NULL,
    signer       TEXT NOT NULL,
    event_sha256 TEXT NOT NULL,
    event_json   TEXT NOT NULL,
    UNIQUE (bundle, seq)
);
CREATE TABLE signers (
    key_id     TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    name       TEXT,
    org        TEXT,
    country    TEXT,
    role       TEXT,
    trust_path TEXT
);
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    time         TEXT NOT NULL,
    action       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    host         TEXT NOT NULL,
    bundle_id    TEXT,
    result       TEXT NOT NULL,
    custody_head TEXT,
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events
BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;
CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events
BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
    // 2: known-hash sets.
    r#"
CREATE TABLE hashsets (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('known-good', 'known-bad')),
    source      TEXT NOT NULL,
    format      TEXT NOT NULL,
    algorithms  TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    entries     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE hashset_entries (
    hashset INTEGER NOT NULL REFERENCES hashsets(id) ON DELETE CASCADE,
    md5     BLOB,
    sha1    BLOB,
    sha256  BLOB,
    sha512  BLOB,
    blake3  BLOB,
    name    TEXT,
    size    INTEGER
);
CREATE INDEX hashset_md5 ON hashset_entries(md5) WHERE md5 IS NOT NULL;
CREATE INDEX hashset_sha1 ON hashset_entries(sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX hashset_sha256 ON hashset_entries(sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX hashset_sha512 ON hashset_entries(sha512) WHERE sha512 IS NOT NULL;
CREATE INDEX hashset_blake3 ON hashset_entries(blake3) WHERE blake3 IS NOT NULL;
"#,
    // 3: known-hash matches found at ingest; file names for `find --name`.
    r#"
CREATE TABLE matches (
    id          INTEGER PRIMARY KEY,
    file        INTEGER NOT NULL REFERENCES files(id),
    hashset     INTEGER NOT NULL REFERENCES hashsets(id) ON DELETE CASCADE,
    algorithm   TEXT NOT NULL,
    listed_name TEXT,
    UNIQUE (file, hashset)
);
CREATE INDEX matches_hashset ON matches(hashset);
CREATE INDEX files_bundle ON files(bundle);
"#,
    // 4: identities only from proof. The signer columns held the actor an
    // event *claimed*; they are renamed `claimed_*` and never shown. What
    // verify proved about each event's signer goes to `event_signers`.
    r#"
ALTER TABLE signers RENAME COLUMN name TO claimed_name;
ALTER TABLE signers RENAME COLUMN org TO claimed_org;
ALTER TABLE signers RENAME COLUMN country TO claimed_country;
ALTER TABLE signers RENAME COLUMN role TO claimed_role;
CREATE TABLE event_signers (
    bundle            INTEGER NOT NULL,
    seq               INTEGER NOT NULL,
    signer_kind       TEXT NOT NULL CHECK (signer_kind IN ('root', 'certified', 'pinned')),
    certified_name    TEXT,
    certified_org     TEXT,
    certified_country TEXT,
    certified_role    TEXT,
    certified_email   TEXT,
    trust_path        TEXT NOT NULL,
    PRIMARY KEY (bundle, seq),
    FOREIGN KEY (bundle, seq) REFERENCES custody_events(bundle, seq),
    CHECK ((certified_name IS NULL) = (certified_org IS NULL)
       AND (certified_name IS NULL) = (certified_country IS NULL)
       AND (certified_name IS NOT NULL
            OR (certified_role IS NULL AND certified_email IS NULL)))
);
"#,
    // 5: digests computed at ingest. MD5 and SHA-1 of the payload files of
    // bundles that did not seal them, computed from the bytes that
    // verified, in their own columns (`md5`, `sha1` stay what the bundle
    // sealed); `bundle_digests` says, per bundle, which algorithms the
    // locker holds for every file and from where; a known-hash match says
    // which it matched by. Bundles ingested before hold the sealed ones
    // only (filled here); ingesting them again adds the rest.
    r#"
ALTER TABLE files ADD COLUMN ingest_md5 BLOB;
ALTER TABLE files ADD COLUMN ingest_sha1 BLOB;
CREATE INDEX files_ingest_md5 ON files(ingest_md5) WHERE ingest_md5 IS NOT NULL;
CREATE INDEX files_ingest_sha1 ON files(ingest_sha1) WHERE ingest_sha1 IS NOT NULL;
ALTER TABLE matches ADD COLUMN origin TEXT NOT NULL DEFAULT 'sealed'
    CHECK (origin IN ('sealed', 'ingest'));
CREATE TABLE bundle_digests (
    bundle    INTEGER NOT NULL REFERENCES bundles(id),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('md5', 'sha1', 'sha256', 'sha512', 'blake3')),
    origin    TEXT NOT NULL CHECK (origin IN ('sealed', 'ingest')),
    PRIMARY KEY (bundle, algorithm)
);
INSERT INTO bundle_digests SELECT bundle, 'md5', 'sealed' FROM files
    GROUP BY bundle HAVING count(md5) = count(*);
INSERT INTO bundle_digests SELECT bundle, 'sha1', 'sealed' FROM files
    GROUP BY bundle HAVING count(sha1) = count(*);
INSERT INTO bundle_digests SELECT bundle, 'sha256', 'sealed' FROM files
    GROUP BY bundle HAVING count(sha256) = count(*);
INSERT INTO bundle_digests SELECT bundle, 'sha512', 'sealed' FROM files
    GROUP BY bundle HAVING count(sha512) = count(*);
INSERT INTO bundle_digests SELECT bundle, 'blake3', 'sealed' FROM files
    GROUP BY bundle HAVING count(blake3) = count(*);
"#,
    // 6: bundles that arrived encrypted. The age file as it arrived (what
    // the transmittal letter names): its SHA-256, its size, and where it
    // is kept (the store copy, or the path it was ingested from). NULL for
    // a bundle that arrived as a plain zip. They describe the same copy as
    // `zip_sha256` and `store_path`, and change with them.
    r#"
ALTER TABLE bundles ADD COLUMN received_sha256 TEXT
    CHECK (received_sha256 IS NULL OR length(received_sha256) = 64);
ALTER TABLE bundles ADD COLUMN received_bytes INTEGER;
ALTER TABLE bundles ADD COLUMN received_path TEXT;
"#,
    // 7: proportional disclosure. `derivations`: where a derived bundle
    // came from, as verify proved it (one row per derived bundle).
    // `exports`: the `export` events of a recorded chain (one row per
    // event, append-only like the events), filled for the verified chains
    // already recorded. Linked by bundle id, whichever came first.
    r#"
CREATE TABLE derivations (
    bundle                INTEGER PRIMARY KEY REFERENCES bundles(id),
    original_bundle_id    TEXT NOT NULL,
    original_custody_head TEXT NOT NULL,
    original_sealed       TEXT NOT NULL,
    original_key_id       TEXT NOT NULL,
    original_name         TEXT,
    original_org          TEXT,
    original_country      TEXT,
    purpose               TEXT,
    disclosed             INTEGER NOT NULL CHECK (disclosed >= 0),
    withheld              INTEGER NOT NULL CHECK (withheld >= 0),
    recorded_at_source    INTEGER NOT NULL CHECK (recorded_at_source IN (0, 1)),
    manifest_revealed     INTEGER NOT NULL CHECK (manifest_revealed IN (0, 1))
);
CREATE INDEX derivations_original ON derivations(original_bundle_id);
CREATE TABLE exports (
    bundle               INTEGER NOT NULL,
    seq                  INTEGER NOT NULL,
    derived_bundle_id    TEXT NOT NULL,
    derived_custody_head TEXT NOT NULL,
    files                INTEGER NOT NULL CHECK (files >= 0),
    selection_sha256     TEXT NOT NULL,
    purpose              TEXT,
    PRIMARY KEY (bundle, seq),
    FOREIGN KEY (bundle, seq) REFERENCES custody_events(bundle, seq)
);
CREATE INDEX exports_derived ON exports(derived_bundle_id);
INSERT INTO exports
    SELECT e.bundle, e.seq, json_extract(e.event_json, '$.exported_to.bundle_id'),
        json_extract(e.event_json, '$.exported_to.custody_head'),
        json_extract(e.event_json, '$.exported_to.files'),
        json_extract(e.event_json, '$.exported_to.selection_sha256'),
        json_extract(e.event_json, '$.purpose')
    FROM custody_events e JOIN bundles b ON b.id = e.bundle
    WHERE b.status = 'verified' AND e.action = 'export' AND json_valid(e.event_json)
      AND json_type(e.event_json, '$.exported_to.bundle_id') = 'text'
      AND json_type(e.event_json, '$.exported_to.custody_head') = 'text'
      AND json_type(e.event_json, '$.exported_to.files') = 'integer'
      AND json_type(e.event_json, '$.exported_to.selection_sha256') = 'text';
CREATE TRIGGER exports_no_update BEFORE UPDATE ON exports
BEGIN SELECT RAISE(ABORT, 'exports are append-only, like the custody events they record'); END;
CREATE TRIGGER exports_no_delete BEFORE DELETE ON exports
BEGIN SELECT RAISE(ABORT, 'exports are append-only, like the custody events they record'); END;
"#,
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;
