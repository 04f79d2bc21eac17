//! How many cases the property tests of the parsers run.

use proptest::test_runner::Config;

/// `PROPTEST_CASES` cases when it is set (for a longer run by hand), else
/// `default`, small enough for `cargo test`. Failures are kept as the
/// tests' own regression cases, not in files.
pub(crate) fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}
