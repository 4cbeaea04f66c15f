//! Command-line tests: the real binary, real peer tools, real files.
//! One test binary so everything links once.

mod accounting;
mod acquire;
mod acquire_seal;
mod attacks;
mod bundle;
mod crash;
mod crash_acquire;
mod crash_ingest;
mod crash_seal;
mod custody;
mod custody_crash;
mod custody_json;
mod custody_rules;
mod harness;
mod hash;
mod hashset;
mod hostile;
mod identity;
mod keys;
mod locker;
mod locker_identity;
mod locker_md5;
mod locker_robust;
mod noatime;
mod offline;
mod quarantine;
mod report;
mod report_scale;
mod report_swap;
mod scale;
mod secrets;
mod verdict;
