//! The BayStore site generator: Markdown + YAML front matter + Tera templates
//! + static assets in, a self-hosted, fingerprinted, validated HTML bundle out.
