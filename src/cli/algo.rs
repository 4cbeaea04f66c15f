//! Hash algorithms as users type them (`--algo`): one parser for `hash`,
//! `acquire`, `seal` and `hashset import`, so that every command accepts
//! the same names (`sha256`, `SHA-256`, `b3`, ...) and refuses an unknown
//! one with the same message. What a command does with the list (its
//! default, how many it takes) stays with the command.

use super::error::CliError;
use evidentia::hash::{Algorithm, AlgorithmSet, UnknownAlgorithm};

fn usage(e: UnknownAlgorithm) -> CliError {
    CliError::usage(e.to_string())
}

/// One algorithm name (`hashset import --algo`).
pub fn parse_algo(name: &str) -> Result<Algorithm, CliError> {
    name.parse().map_err(usage)
}

/// A comma-separated list such as `sha256,blake3`, as a set in canonical
/// order; blank names between commas are skipped, and a list that names
/// no algorithm is refused like an unknown name.
pub fn parse_algos(list: &str) -> Result<AlgorithmSet, CliError> {
    AlgorithmSet::parse_list(list).map_err(usage)
}

/// Whether `list` names no algorithm at all (empty, or only commas and
/// blanks): `seal` takes that as "no extra manifests".
pub fn names_none(list: &str) -> bool {
    list.split(',').all(|s| s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_names() {
        let set = parse_algos("blake3, SHA-256,md5,sha256").unwrap();
        assert_eq!(
            set.as_slice(),
            &[Algorithm::Md5, Algorithm::Sha256, Algorithm::Blake3]
        );
        assert_eq!(
            parse_algos("md5,sha3").unwrap_err().message,
            "unknown hash algorithm \"sha3\" (known: md5, sha1, sha256, sha512, blake3)"
        );
        assert_eq!(
            parse_algos(" , ").unwrap_err().message,
            "unknown hash algorithm \" , \" (known: md5, sha1, sha256, sha512, blake3)"
        );
        assert_eq!(parse_algo("B3").unwrap(), Algorithm::Blake3);
        assert!(names_none("") && names_none(" ,, ") && !names_none(",md5"));
    }
}
