//! The `dev` command end to end, over real HTTP on loopback: it serves
//! the fixture site with its `_headers`, tells the reload client about
//! every build on the event stream, keeps answering 200 from the last good
//! build while rebuilding and after a failed build, and stops cleanly on
//! SIGTERM, freeing its port.

mod generator {
    pub mod support;
}

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use generator::support::{copy_dir, fixtures};

/// A `dev` process on a copy of the fixture site.
struct Dev {
    child: Child,
    address: SocketAddr,
    site: tempfile::TempDir,
}

impl Dev {
    fn start() -> Dev {
        let site = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join("site"), site.path());
        let mut child = Command::new(env!("CARGO_BIN_EXE_baystore-site"))
            .args(["dev", "--port", "0", "--no-worker", "--site"])
            .arg(site.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let address = line
            .trim()
            .strip_prefix("serving on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .parse()
            .unwrap();
        Dev {
            child,
            address,
            site,
        }
    }

    fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.site.path().join(relative), text).unwrap();
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Answer {
    status: u16,
    headers: String,
    body: String,
}

fn get(address: SocketAddr, path: &str) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

/// Reads the event stream and returns each `state` event's data.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(address: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "GET /__baystore/events HTTP/1.1\r\nHost: {address}\r\n\r\n"
        )
        .unwrap();
        Events {
            reader: BufReader::new(stream),
        }
    }

    /// The next state: `(build, errors)`.
    fn next(&mut self) -> (u64, Vec<String>) {
        loop {
            let mut line = String::new();
            assert!(
                self.reader.read_line(&mut line).unwrap() > 0,
                "event stream closed"
            );
            // Chunked transfer framing lines and comments carry no data.
            if let Some(data) = line.trim_end().strip_prefix("data: ") {
                let state: serde_json::Value = serde_json::from_str(data).unwrap();
                let errors = state["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_string())
                    .collect();
                return (state["build"].as_u64().unwrap(), errors);
            }
        }
    }
}

#[test]
fn serves_rebuilds_reloads_and_stops_cleanly() {
    let mut dev = Dev::start();
    let home = get(dev.address, "/");
    assert_eq!(home.status, 200);
    // The response names its build; the page does not.
    assert!(
        home.headers
            .contains("server-timing: baystore-build;desc=\"1\""),
        "{}",
        home.headers
    );
    assert!(
        home.headers
            .contains("content-security-policy: default-src 'none'")
    );
    // The reload client is a fingerprinted asset loaded with SRI.
    let script = home
        .body
        .split("<script src=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .find(|src| src.contains("/reload."))
        .expect("reload client");
    assert!(home.body.contains("integrity=\"sha384-"));
    let client = get(dev.address, script);
    assert_eq!(client.status, 200);
    assert!(client.headers.contains("content-type: text/javascript"));
    assert!(client.body.contains("EventSource"));
    // Cloudflare's trailing-slash handling.
    let about = get(dev.address, "/about");
    assert_eq!(about.status, 307);
    assert!(about.headers.contains("location: /about/"));
    assert_eq!(get(dev.address, "/no/such/page/").status, 404);
    assert_eq!(get(dev.address, "/../site.yaml").status, 404);

    let mut events = Events::open(dev.address);
    let (first, errors) = events.next();
    assert!(errors.is_empty(), "{errors:?}");

    // While the site rebuilds, every request is answered 200.
    let stop = AtomicBool::new(false);
    let answered = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let answer = get(dev.address, "/about/");
                assert_eq!(answer.status, 200, "{}", answer.body);
                answered.fetch_add(1, Ordering::Relaxed);
            }
        });
        let about = std::fs::read_to_string(dev.site.path().join("content/about.md")).unwrap();
        for round in 1..=3 {
            dev.write(
                "content/about.md",
                &format!("{about}\nEdited in round {round}.\n"),
            );
            let (build, errors) = events.next();
            assert!(errors.is_empty(), "{errors:?}");
            assert!(build > first);
            assert!(
                get(dev.address, "/about/")
                    .body
                    .contains(&format!("Edited in round {round}."))
            );
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(answered.load(Ordering::Relaxed) > 0);

    // A body edit the gate refuses (a link to the console) is written in
    // place and put back: no request ever sees it, before, during or
    // after that build.
    let about = std::fs::read_to_string(dev.site.path().join("content/about.md")).unwrap();
    let refused = "[Sign in](/console/)";
    let stop = AtomicBool::new(false);
    let answered = AtomicUsize::new(0);
    let errors = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let answer = get(dev.address, "/about/");
                let good = answer.status == 200
                    && !answer.body.contains("/console/")
                    && answer.body.contains("Edited in round 3.");
                if !good {
                    stop.store(true, Ordering::Relaxed);
                    panic!("served a refused build: {} {}", answer.status, answer.body);
                }
                answered.fetch_add(1, Ordering::Relaxed);
            }
        });
        dev.write("content/about.md", &format!("{about}\n{refused}\n"));
        let (_, errors) = events.next();
        // Let the reader run on the restored bundle for a moment.
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, Ordering::Relaxed);
        errors
    });
    assert!(
        errors.iter().any(|e| e.contains("admin/public-link")),
        "{errors:?}"
    );
    assert!(answered.load(Ordering::Relaxed) > 0);

    // A broken page: the error reaches the client with its file and line,
    // and the last good build is still served.
    dev.write("content/about.md", "---\ntitle: [unclosed\n---\nBroken.\n");
    let (build, errors) = events.next();
    assert!(!errors.is_empty());
    assert!(errors[0].contains("content/about.md:"), "{errors:?}");
    let still = get(dev.address, "/about/");
    assert_eq!(still.status, 200);
    assert!(still.body.contains("Edited in round 3."));
    // Fixing it clears the errors with a new build.
    dev.write("content/about.md", "---\ntitle: About\n---\nFixed.\n");
    let (fixed, errors) = events.next();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(fixed > build);
    assert!(get(dev.address, "/about/").body.contains("Fixed."));

    // SIGTERM stops it and frees the port at once.
    // SAFETY: kill(2) on the child this test started.
    unsafe { libc::kill(dev.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if dev.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "dev did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(TcpStream::connect(dev.address).is_err());
    assert!(std::net::TcpListener::bind(dev.address).is_ok());
    // Its temporary build folders are gone; the site is untouched.
    assert!(!Path::new(dev.site.path()).join("dist").exists());
}
