//! TLS modes against a real TCP cluster.
