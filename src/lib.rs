//! The BayStore site generator: Markdown + YAML front matter + Tera templates
//! + static assets in, a self-hosted, fingerprinted, validated HTML bundle out.
//!
//! [`bundle::build`] is the whole pipeline: [`config`] reads `site.yaml`,
//! [`content`] parses pages and places them at pretty URLs, [`markdown`]
//! renders them under the [`raw_html`] policy, [`templates`] wraps them in
//! Tera layouts, [`assets`] fingerprints `static/`, [`images`] sizes images
//! and makes their resized variants (cached across builds), [`rewrite`] points pages
//! at the fingerprinted files with SRI, [`sitemap`], [`headers`],
//! [`redirects`] and [`security_txt`] write the remaining files, and the validator checks the bundle before it replaces
//! the previous output.
//!
//! [`leads`] is the operator's tool for the leads the Worker stores: read,
//! export and erase them, with every action recorded.

pub mod assets;
pub mod bundle;
pub mod config;
pub mod content;
pub mod dev;
pub mod error;
pub mod evidence;
pub mod feed;
pub mod headers;
pub mod images;
pub mod leads;
pub mod limits;
pub mod markdown;
pub mod out_dir;
pub mod promises;
#[cfg(test)]
mod proptest_config;
pub mod public_files;
pub mod raw_html;
pub mod rebuild;
pub mod redirects;
pub mod rewrite;
pub mod robots;
pub mod scaffold;
pub mod security_txt;
pub mod sitemap;
pub mod social;
pub mod source_text;
pub mod template_filters;
pub mod template_functions;
pub mod template_steps;
pub mod templates;
mod yaml;

pub use bundle::{BuildOptions, BuildSummary, build, build_again};
pub use error::Error;
