//! Measures the lower bound that lol_html puts under any check of a bundle:
//! every HTML file of DIR is read and streamed through lol_html, on every
//! core, and nothing else is done with it. The benchmark script times this
//! next to `rg` and the validator, so the numbers show how much of the
//! validator's time is the HTML tokenizer itself.
//!
//! Usage: `tokenizer_floor DIR MODE`, where MODE is
//! - `read`: read every file and do nothing else (the I/O floor);
//! - `one-tag`: one tag-name selector (`script`), lol_html's cheapest pass
//!   that still finds tags: its tag scanner skips attributes;
//! - `every-element`: a handler on every element that reads every
//!   attribute, which is what the validator needs, because an event
//!   handler, a `style` attribute, an `id` or a URL can sit on any element.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, Selector, Settings};
use rayon::prelude::*;

#[derive(Clone, Copy)]
enum Mode {
    Read,
    OneTag,
    EveryElement,
}

/// Lists the HTML files under `folder`, walking subfolders in parallel as
/// `rg` and the validator do.
fn html_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            folders.push(path);
        } else if path.extension().is_some_and(|ext| ext == "html") {
            files.push(path);
        }
    }
    let nested: Vec<Vec<PathBuf>> = folders
        .par_iter()
        .map(|path| html_files(path))
        .collect::<std::io::Result<_>>()?;
    files.extend(nested.into_iter().flatten());
    Ok(files)
}

/// Streams one document through lol_html and returns how many elements
/// and attributes the handler saw, so that the work cannot be optimised
/// away.
fn tokenize(source: &[u8], selector: &Selector, read_attributes: bool) -> usize {
    let mut seen = 0;
    {
        let handlers = ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
            seen += 1;
            if read_attributes {
                seen += el
                    .attributes()
                    .iter()
                    .map(|a| a.name().len() + a.value().len())
                    .sum::<usize>();
            }
            Ok(())
        });
        let mut rewriter = HtmlRewriter::new(
            Settings::new().append_element_content_handler((Cow::Borrowed(selector), handlers)),
            |_: &[u8]| {},
        );
        // The floor only times tokenising; a page lol_html stops on is
        // timed up to where it stopped. After an error the rewriter must
        // not be used again.
        let _ = rewriter.write(source).and_then(|()| rewriter.end());
    }
    seen
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, mode) = match args.as_slice() {
        [dir, mode] => {
            let mode = match mode.as_str() {
                "read" => Mode::Read,
                "one-tag" => Mode::OneTag,
                "every-element" => Mode::EveryElement,
                other => {
                    eprintln!("unknown mode {other:?}: expected read, one-tag or every-element");
                    return ExitCode::from(2);
                }
            };
            (PathBuf::from(dir), mode)
        }
        _ => {
            eprintln!("usage: tokenizer_floor DIR read|one-tag|every-element");
            return ExitCode::from(2);
        }
    };
    let files = match html_files(&dir) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("cannot list {}: {error}", dir.display());
            return ExitCode::from(2);
        }
    };
    let (selector, read_attributes) = match mode {
        Mode::EveryElement => ("*", true),
        Mode::Read | Mode::OneTag => ("script", false),
    };
    let selector: Selector = selector.parse().expect("the selectors above are valid");
    let seen: usize = files
        .par_iter()
        .map(|path| {
            let source = std::fs::read(path).unwrap_or_default();
            match mode {
                Mode::Read => source.len(),
                Mode::OneTag | Mode::EveryElement => tokenize(&source, &selector, read_attributes),
            }
        })
        .sum();
    println!("{} files, {seen} units", files.len());
    ExitCode::SUCCESS
}
