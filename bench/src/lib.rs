//! The generator's build benchmark, kept out of the product crates: a
//! synthetic corpus written both as a site of this generator and as a Hugo
//! site ([`corpus`]), and the harness that times both tools on it
//! ([`benchmark`]).

pub mod benchmark;
pub mod corpus;
