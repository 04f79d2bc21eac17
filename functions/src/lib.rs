//! The BayStore Worker: the lead form endpoint `POST /lead`, the first-party
//! analytics beacon `POST /a/event`, and the scheduled retention purge of
//! stored leads.
//!
//! Everything that decides what a visitor gets back lives in plain Rust
//! modules that compile and are tested on the host: request pre-checks
//! ([`intake`]), form parsing and validation ([`lead`]), the same-origin
//! rule ([`origin`]), rate-limit keys ([`rate_limit`]), beacon filtering
//! ([`beacon`]), retention cut-offs ([`retention`]) and the answers
//! themselves ([`reply`]). Only the thin layer that talks to the Workers
//! runtime (requests, D1, the rate-limiting and email bindings) is compiled
//! for `wasm32` alone, so the rules can be read and tested without a runtime.

pub mod beacon;
pub mod correlation;
pub mod email_address;
pub mod intake;
pub mod lead;
pub mod origin;
pub mod problem;
pub mod rate_limit;
pub mod reply;
pub mod retention;
pub mod settings;

#[cfg(target_arch = "wasm32")]
mod runtime;
