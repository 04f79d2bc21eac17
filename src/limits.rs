//! The limits a build holds every input and output to.
//!
//! The validator is the gate, and a page it cannot fully judge proves
//! nothing: so the generator refuses to write one. Its limits match the
//! validator's, and the rest keep a hostile or mistaken input from
//! exhausting the machine or the filesystem the bundle is written to.

/// Largest page the generator writes by default, in bytes: the
/// validator's default file cap. A larger page could not be judged, so it
/// is an error naming the content file, never a warning. A site that sets
/// `validator.max_file_bytes` gets that cap for its pages instead.
pub const MAX_PAGE_BYTES: usize = bundle_validator::DEFAULT_MAX_FILE_BYTES as usize;

/// Largest content file (Markdown with front matter) the generator reads.
/// Markdown only grows when rendered, so a larger source could not become
/// a page under [`MAX_PAGE_BYTES`]; refusing it before reading also keeps
/// a link to a huge or endless file from filling memory.
pub const MAX_SOURCE_BYTES: u64 = MAX_PAGE_BYTES as u64;

/// Longest name of one file or folder in the bundle, in bytes: the limit
/// of ext4, APFS and NTFS alike.
pub const MAX_NAME_BYTES: usize = 255;

/// Longest path of a file inside the bundle, in bytes. macOS refuses
/// paths over 1024 bytes, so a longer one could not be written, copied or
/// deployed from every machine the site is built on.
pub const MAX_BUNDLE_PATH_BYTES: usize = 1024;

/// Most elements all calls of the template function `range()` may produce
/// while one page renders. Tera caps one call at 100,000; this caps their
/// sum, so nested loops over ranges cannot multiply into billions of
/// iterations.
pub const MAX_RANGE_ITEMS_PER_PAGE: usize = 100_000;

/// How deep components may render inside each other. This is Tera's own
/// fixed limit; it is named here so the documentation and errors can
/// state it.
pub const MAX_COMPONENT_DEPTH: usize = 20;

/// Most loop iterations and component calls one page may take while it
/// renders. Tera has no step budget of its own, and a loop that writes
/// nothing is out of reach of the page size cap: nested loops over every
/// page of a large site could otherwise run for hours. A listing of
/// 10,000 pages with ten tags each takes about 110,000 steps.
pub const MAX_TEMPLATE_STEPS_PER_PAGE: usize = 1_000_000;
