//! The generator's build benchmark, kept out of the product crates: a
//! synthetic corpus written both as a site of this generator and as a Hugo
//! site ([`corpus`]), and the harness that times both tools on it
//! ([`benchmark`]); and the dev loop's edit-to-visible time
//! ([`dev_latency`]).

pub mod benchmark;
pub mod corpus;
pub mod dev_latency;
