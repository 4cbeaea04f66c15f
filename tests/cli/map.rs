//! `docs/architecture.md` stays true: every source file, folder and doc it
//! names exists, and every module folder under `src/` is on the map.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every path under `src/`, relative to it, with `/` separators.
fn source_paths(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if path.is_dir() {
            out.insert(format!("{rel}/"));
            source_paths(&path, base, out);
        } else {
            out.insert(rel);
        }
    }
}

/// The backticked names in `text` that look like files or folders.
fn named_paths(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| {
            !t.contains(' ') && (t.ends_with(".rs") || t.ends_with(".md") || t.ends_with('/'))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_file_the_map_names_exists() {
    let map = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let src = root().join("src");
    let mut paths = BTreeSet::new();
    source_paths(&src, &src, &mut paths);
    let mut missing = Vec::new();
    for name in named_paths(&map) {
        let found = if ["docs/", "src/", "tests/"]
            .iter()
            .any(|d| name.starts_with(d))
        {
            root().join(&name).exists()
        } else {
            // A name relative to src/ or to its room: some source path
            // ends with it.
            paths
                .iter()
                .any(|p| p == &name || p.ends_with(&format!("/{name}")))
        };
        if !found {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "docs/architecture.md names files that do not exist: {missing:?}"
    );
    for dir in paths
        .iter()
        .filter(|p| p.ends_with('/') && p.matches('/').count() == 1)
    {
        assert!(
            map.contains(&format!("`{}`", dir.trim_end_matches('/'))),
            "docs/architecture.md does not name the module src/{dir}"
        );
    }
}
