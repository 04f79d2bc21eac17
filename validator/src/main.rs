//! Thin CLI over the `bundle_validator` library. Exit codes: 0 no error
//! finding, 1 at least one, 2 could not run.
fn main() {
    std::process::exit(2);
}
