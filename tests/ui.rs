//! `host-harness ui` as an attacker on the same machine meets it: without the printed URL's
//! token, from another `Host` (DNS rebinding), or from another origin or without the CSRF token
//! it does nothing; and no page it serves holds the key a person entered.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use plugin_contract::Secrets;
use support::{build_plugin, harness_binary, root, scratch};

const KEY: &str = "replay-api-key";

/// A running web host on the happy-path scenario.
struct Ui {
    child: Child,
    /// Kept open: the server may still write to it.
    _stdout: BufReader<std::process::ChildStdout>,
    port: u16,
    token: String,
    folder: std::path::PathBuf,
}

impl Ui {
    fn start(name: &str) -> Ui {
        build_plugin();
        let folder = scratch(name);
        let mut child = Command::new(harness_binary())
            .current_dir(root())
            .args([
                "--replay",
                "fixtures/happy-path",
                "ui",
                "--psa",
                "fixtures/happy-path/psa.json",
            ])
            .arg("--store")
            .arg(folder.join("store.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("host-harness ui starts");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("a line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let (address, token) = url.split_once("/?token=").expect("a token");
        let port = address.rsplit(':').next().unwrap().parse().unwrap();
        Ui {
            child,
            _stdout: stdout,
            port,
            token: token.to_owned(),
            folder,
        }
    }

    /// Sends one raw request; returns the status and the whole response as text.
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(name, _)| *name == "Host") {
            request += &format!("Host: 127.0.0.1:{}\r\n", self.port);
        }
        for (name, value) in headers {
            request += &format!("{name}: {value}\r\n");
        }
        if method == "POST" {
            request += &format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        request += "\r\n";
        request += body;
        stream.write_all(request.as_bytes()).expect("sent");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("answered");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, response)
    }

    fn cookie(&self) -> String {
        format!("hh_session={}", self.token)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Returns the CSRF token the pages carry.
    fn csrf(&self) -> String {
        let (_, page) = self.send("GET", "/connect", &[("Cookie", &self.cookie())], "");
        let at = page
            .find("name=\"csrf-token\" content=\"")
            .unwrap_or_else(|| panic!("no CSRF token in {page}"))
            + 27;
        page[at..at + 64].to_owned()
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

#[test]
fn without_the_printed_token_or_from_another_host_nothing_is_served() {
    let ui = Ui::start("ui-token");
    assert_eq!(ui.send("GET", "/", &[], "").0, 403);
    assert_eq!(ui.send("GET", "/?token=0123", &[], "").0, 403);
    let cookie = ui.cookie();
    let (status, opened) = ui.send("GET", &format!("/?token={}", ui.token), &[], "");
    assert_eq!(status, 303);
    assert!(opened.contains("Location: /\r\n"), "{opened}");
    assert!(opened.contains("HttpOnly; SameSite=Strict"), "{opened}");
    assert_eq!(ui.send("GET", "/", &[("Cookie", &cookie)], "").0, 200);
    let rebound = [("Cookie", cookie.as_str()), ("Host", "evil.example")];
    assert_eq!(ui.send("GET", "/", &rebound, "").0, 421);
    let other_port = [("Cookie", cookie.as_str()), ("Host", "127.0.0.1:1")];
    assert_eq!(ui.send("GET", "/", &other_port, "").0, 421);
}

#[test]
fn a_change_needs_this_servers_origin_and_the_csrf_token() {
    let ui = Ui::start("ui-csrf");
    let (cookie, origin, csrf) = (ui.cookie(), ui.origin(), ui.csrf());
    let connect = format!("cred-api_key={KEY}&cred-api_url=x&csrf={csrf}");
    let no_origin = [("Cookie", cookie.as_str())];
    assert_eq!(ui.send("POST", "/connect", &no_origin, &connect).0, 403);
    let other = [
        ("Cookie", cookie.as_str()),
        ("Origin", "http://evil.example"),
    ];
    assert_eq!(ui.send("POST", "/connect", &other, &connect).0, 403);
    let null = [("Cookie", cookie.as_str()), ("Origin", "null")];
    assert_eq!(ui.send("POST", "/connect", &null, &connect).0, 403);
    let ours = [("Cookie", cookie.as_str()), ("Origin", origin.as_str())];
    let without_csrf = format!("cred-api_key={KEY}&cred-api_url=x");
    assert_eq!(ui.send("POST", "/connect", &ours, &without_csrf).0, 403);
    let wrong_csrf = format!("cred-api_key={KEY}&csrf=00");
    assert_eq!(ui.send("POST", "/connect", &ours, &wrong_csrf).0, 403);
}

#[test]
fn no_page_a_browser_receives_holds_the_key_once_it_was_entered() {
    let ui = Ui::start("ui-secret");
    let (cookie, origin, csrf) = (ui.cookie(), ui.origin(), ui.csrf());
    let (_, page) = ui.send("GET", "/connect", &[("Cookie", &cookie)], "");
    let at = page.find("type=\"url\" value=\"").expect("the URL field") + 18;
    let api_url = &page[at..at + page[at..].find('"').unwrap()];
    let ours = [("Cookie", cookie.as_str()), ("Origin", origin.as_str())];
    let form = format!("csrf={csrf}&cred-api_key={KEY}&cred-api_url={api_url}");
    let (status, _) = ui.send("POST", "/connect", &ours, &form);
    assert_eq!(status, 303);
    let finish = format!("csrf={csrf}");
    assert_eq!(ui.send("POST", "/sync/start", &ours, &finish).0, 303);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let key = Secrets::new([KEY]);
    for path in [
        "/",
        "/connect",
        "/accounts",
        "/services",
        "/sync",
        "/sync/status.json",
        "/review",
        "/history",
        "/accounts/psa?q=ac",
        "/accounts/vendor?show=unmapped",
        "/nowhere",
    ] {
        let (status, response) = ui.send("GET", path, &[("Cookie", &cookie)], "");
        assert!(status == 200 || status == 404, "{path}: {status}");
        assert!(!key.found_in(&response), "{path} holds the key");
        assert!(
            response.contains("Content-Security-Policy: default-src 'none'; script-src 'self'"),
            "{path}: {response}"
        );
        assert!(
            !response.contains("<script>"),
            "{path} has an inline script"
        );
    }
}
