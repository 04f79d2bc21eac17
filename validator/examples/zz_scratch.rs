use lol_html::{HtmlRewriter, Settings, element, doc_text};
use rayon::prelude::*;
fn main() {
    let root = std::env::args().nth(1).unwrap();
    let mode = std::env::args().nth(2).unwrap();
    let paths: Vec<_> = walkdir::WalkDir::new(&root).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()).map(|e| e.path().to_path_buf()).collect();
    let t = std::time::Instant::now();
    let n: usize = paths.par_iter().map(|p| {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        if mode == "read" { return text.len(); }
        let mut count = 0usize;
        {
        let mut settings = Settings::new();
        if mode != "bare" {
            settings = settings.append_element_content_handler(element!("*", |el| { count += el.attributes().len(); Ok(()) }));
        }
        if mode == "text" {
            settings = settings.append_document_content_handler(doc_text!(|t| { let _ = t.as_str().len(); Ok(()) }));
        }
        let mut rw = HtmlRewriter::new(settings, |_: &[u8]| {});
        rw.write(text.as_bytes()).unwrap(); rw.end().unwrap();
        }
        count
    }).sum();
    eprintln!("{mode}: {:?} {n}", t.elapsed());
}
