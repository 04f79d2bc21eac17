//! `new`: scaffolds a Markdown page with front matter.

use std::path::{Path, PathBuf};

use crate::content::CONTENT_DIR;
use crate::error::Error;

/// Creates `content/<path>.md` in `site_dir` with a title and an empty
/// description, refusing to overwrite. Returns the created file.
pub fn new_page(site_dir: &Path, path: &str, title: &str) -> Result<PathBuf, Error> {
    let relative = path.trim_start_matches('/');
    let relative = relative
        .strip_prefix(&format!("{CONTENT_DIR}/"))
        .unwrap_or(relative);
    let relative = relative.trim_end_matches('/');
    // The page must land inside content/: refuse empty paths and `..`.
    if relative.is_empty() || relative.split(['/', '\\']).any(|segment| segment == "..") {
        return Err(Error::io(
            "cannot create page outside content/",
            relative,
            std::io::ErrorKind::InvalidInput.into(),
        ));
    }
    let file = if relative.ends_with(".md") {
        site_dir.join(CONTENT_DIR).join(relative)
    } else {
        site_dir.join(CONTENT_DIR).join(format!("{relative}.md"))
    };
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io("cannot create folder", parent, e))?;
    }
    let text = format!(
        "---\ntitle: {}\ndescription: \"\"\n---\n\nWrite the page here. The template shows the title as its heading.\n",
        yaml_string(title)
    );
    let mut handle = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .map_err(|e| Error::io("cannot create page", &file, e))?;
    std::io::Write::write_all(&mut handle, text.as_bytes())
        .map_err(|e| Error::io("cannot write page", &file, e))?;
    Ok(file)
}

/// A double-quoted YAML scalar, so titles with `:` or `#` stay strings.
fn yaml_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::content::parse_page;

    #[test]
    fn scaffolded_page_parses_and_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("baystore-scaffold-{}", std::process::id()));
        let file = new_page(&dir, "guides/launch", "Launch: day one").unwrap();
        assert_eq!(file, dir.join("content/guides/launch.md"));
        let text = std::fs::read_to_string(&file).unwrap();
        let config =
            SiteConfig::parse("name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n")
                .unwrap();
        let page = parse_page("guides/launch.md", &text, &config).unwrap();
        assert_eq!(page.front.title, "Launch: day one");
        assert_eq!(page.url, "/guides/launch/");
        assert!(new_page(&dir, "content/guides/launch.md", "Again").is_err());
        assert!(new_page(&dir, "../escape", "Out").is_err());
        assert!(!dir.join("escape.md").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
