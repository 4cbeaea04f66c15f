//! hash tests
