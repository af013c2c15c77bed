//! `loopsafe lsp` as an editor drives it: the binary is spawned and spoken to in JSON-RPC over
//! stdio. Diagnostics follow unsaved edits; the server survives malformed input, unknown methods,
//! requests before `initialize`, edits of unknown documents, positions past the end and a burst
//! of 1,000 edits, and still answers promptly.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    /// Messages read while waiting for something else.
    backlog: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_loopsafe"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start loopsafe lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = Some(v.parse::<usize>().unwrap());
                    }
                }
                let mut body = vec![0; len.expect("Content-Length from the server")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("the server writes JSON");
                assert_eq!(v["jsonrpc"], "2.0", "{v}");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Client { child, stdin, rx, backlog: Vec::new(), next_id: 100 }
    }

    fn raw(&mut self, body: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes()).unwrap();
        stdin.write_all(body).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, v: Value) {
        self.raw(v.to_string().as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (already read or to come) that `pred` accepts.
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.backlog.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("timed out; backlog: {:#?}", self.backlog),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server closed its output; backlog: {:#?}", self.backlog)
                }
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// The first publication for `uri` (any version) with `count` diagnostics.
    fn published(&mut self, uri: &str, count: usize) -> Value {
        self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["diagnostics"].as_array().is_some_and(|a| a.len() == count)
        })
    }

    fn initialize(&mut self, root: &Path) -> Value {
        let r = self.request("initialize", json!({"processId": null, "rootUri": uri(root), "capabilities": {}}));
        self.notify("initialized", json!({}));
        r
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "javascript", "version": 1, "text": text}}),
        );
    }

    /// Shut down and exit; the process's exit code.
    fn finish(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        self.exit_code()
    }

    fn exit_code(mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loopsafe-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

const BAD: &str = "const fs = require('fs');\napp.get('/x', (req, res) => {\n  res.send(fs.readFileSync('x'));\n});\n";

fn range(a: (u32, u32), b: (u32, u32)) -> Value {
    json!({"start": {"line": a.0, "character": a.1}, "end": {"line": b.0, "character": b.1}})
}

#[test]
fn diagnostics_follow_unsaved_edits_and_code_actions_suppress() {
    let dir = tempdir("edits");
    let mut c = Client::start();
    let init = c.initialize(&dir);
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["textDocumentSync"]["change"], 2, "{init}");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["codeActionProvider"]["codeActionKinds"], json!(["quickfix"]));
    assert_eq!(init["result"]["serverInfo"]["name"], "loopsafe");

    // never saved: the server checks the buffer's text
    let doc = uri(&dir.join("routes.js"));
    c.open(&doc, BAD);
    let d = c.diagnostics(&doc, 1);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "blocking-call");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["source"], "loopsafe");
    assert_eq!(d[0]["range"], range((2, 11), (2, 26)));
    assert!(d[0]["message"].as_str().unwrap().contains("help: use `fs.promises.readFile`"), "{}", d[0]);
    assert_eq!(
        d[0]["codeDescription"]["href"],
        "https://github.com/loopsafe/loopsafe/blob/main/docs/rules/blocking-call.md"
    );

    // the suppression action, cursor on the finding's line
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": range((2, 4), (2, 4)), "context": {"diagnostics": d}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "quickfix");
    let edit = &actions[0]["edit"]["changes"][&doc][0];
    assert_eq!(edit["range"], range((2, 0), (2, 0)));
    assert_eq!(
        edit["newText"],
        "  // loopsafe-ignore-next-line blocking-call: <why this finding does not apply here>\n"
    );

    // an incremental edit that removes the blocking call
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2},
               "contentChanges": [{"range": range((2, 11), (2, 31)), "text": "'ok'"}]}),
    );
    assert_eq!(c.diagnostics(&doc, 2), Vec::<Value>::new());
    // and a full-text change that brings it back on another line
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 3}, "contentChanges": [{"text": format!("\n\n{BAD}")}]}),
    );
    let d = c.diagnostics(&doc, 3);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["range"]["start"]["line"], 4);

    // a syntax error while typing is shown where it is
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 4}, "contentChanges": [{"text": "app.get('/x', (req, res) => {\n"}]}),
    );
    let d = c.diagnostics(&doc, 4);
    assert_eq!(d.len(), 1);
    assert!(d[0]["message"].as_str().unwrap().starts_with("syntax error"), "{d:?}");

    // closing clears
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": doc}}));
    let m = c.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == doc.as_str());
    assert_eq!(m["params"]["diagnostics"], json!([]));
    assert_eq!(c.finish(), 0);
}

#[test]
fn imports_of_a_buffer_are_read_from_disk_and_saves_recheck() {
    let dir = tempdir("imports");
    std::fs::write(
        dir.join("mail.js"),
        "const fs = require('fs');\nfunction render(n) {\n  return fs.readFileSync(n, 'utf8');\n}\nmodule.exports = { render };\n",
    )
    .unwrap();
    let mut c = Client::start();
    c.initialize(&dir);
    let doc = uri(&dir.join("routes.js"));
    c.open(
        &doc,
        "const { render } = require('./mail');\napp.get('/m', (req, res) => res.send(render(req.query.t)));\n",
    );
    let d = c.diagnostics(&doc, 1);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0]["message"].as_str().unwrap().contains("GET /m → render ("), "{}", d[0]);
    // the chain's step is a location in the helper's file, which an editor can open (issue #20)
    assert_eq!(
        d[0]["relatedInformation"],
        json!([{
            "location": {"uri": uri(&dir.join("mail.js")), "range": range((2, 9), (2, 24))},
            "message": "`fs.readFileSync` blocks here"
        }]),
        "{}",
        d[0]
    );

    // the helper is fixed on disk and saved: open documents are checked again
    std::fs::write(dir.join("mail.js"), "function render(n) {\n  return n;\n}\nmodule.exports = { render };\n")
        .unwrap();
    c.notify("textDocument/didSave", json!({"textDocument": {"uri": uri(&dir.join("mail.js"))}}));
    let m = c.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["diagnostics"].as_array().is_some_and(|a| a.is_empty())
    });
    assert_eq!(m["params"]["uri"], doc.as_str());
    assert_eq!(c.finish(), 0);
}

#[test]
fn the_quick_fix_reason_is_a_placeholder_the_check_rejects() {
    // issue #20: the inserted reason used to be accepted as one
    let dir = tempdir("placeholder");
    let mut c = Client::start();
    c.initialize(&dir);
    let doc = uri(&dir.join("routes.js"));
    c.open(&doc, BAD);
    let d = c.diagnostics(&doc, 1);
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": range((2, 4), (2, 4)), "context": {"diagnostics": d}}),
    );
    let new_text = actions["result"][0]["edit"]["changes"][&doc][0]["newText"].as_str().unwrap().to_string();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2},
               "contentChanges": [{"range": range((2, 0), (2, 0)), "text": new_text}]}),
    );
    let d = c.diagnostics(&doc, 2);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "suppression-comment");
    assert_eq!(d[0]["severity"], 1, "an error: the run fails until the reason is written");
    assert!(d[0]["message"].as_str().unwrap().contains("placeholder"), "{}", d[0]);
    assert_eq!(d[0]["range"]["start"], json!({"line": 2, "character": 2}));
    // a real reason: clean
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 3},
               "contentChanges": [{"range": range((2, 46), (2, 84)), "text": "40 bytes, read once per deploy"}]}),
    );
    assert_eq!(c.diagnostics(&doc, 3), Vec::<Value>::new());
    assert_eq!(c.finish(), 0);
}

#[test]
fn unsaved_edits_of_an_open_import_recheck_its_importers() {
    // on disk, the helper only formats: the route is clean
    let dir = tempdir("unsaved-import");
    let helper_text = "function render(n) {\n  return `<p>${n}</p>`;\n}\nmodule.exports = { render };\n";
    std::fs::write(dir.join("mail.js"), helper_text).unwrap();
    let mut c = Client::start();
    c.initialize(&dir);
    let routes = uri(&dir.join("routes.js"));
    c.open(
        &routes,
        "const { render } = require('./mail');\napp.get('/m', (req, res) => res.send(render(req.query.t)));\n",
    );
    assert_eq!(c.diagnostics(&routes, 1), Vec::<Value>::new());
    let helper = uri(&dir.join("mail.js"));
    c.open(&helper, helper_text);
    assert_eq!(c.diagnostics(&helper, 1), Vec::<Value>::new());

    // the helper's buffer now reads a file synchronously, unsaved: the route reports it
    let blocking = "const fs = require('fs');\nfunction render(n) {\n  return fs.readFileSync(n, 'utf8');\n}\nmodule.exports = { render };\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": helper, "version": 2}, "contentChanges": [{"text": blocking}]}),
    );
    let m = c.published(&routes, 1);
    let d = &m["params"]["diagnostics"][0];
    assert!(d["message"].as_str().unwrap().contains("GET /m → render ("), "{d}");
    // the disk still has the old helper
    assert_eq!(std::fs::read_to_string(dir.join("mail.js")).unwrap(), helper_text);

    // closed without saving: the edit is gone, the route reads the disk again and is clean
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": helper}}));
    c.published(&routes, 0);
    assert_eq!(c.finish(), 0);
}

#[test]
fn survives_bad_input_and_a_burst_of_edits() {
    let dir = tempdir("robust");
    let mut c = Client::start();

    // a request before initialize
    let r = c.request("textDocument/codeAction", json!({}));
    assert_eq!(r["error"]["code"], -32002, "{r}");
    // malformed JSON, a non-object, a bad id: answered with errors, the stream goes on
    c.raw(b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ");
    let r = c.wait(|m| m["error"]["code"] == -32700);
    assert_eq!(r["id"], Value::Null);
    c.raw(b"[1, 2, 3]");
    c.wait(|m| m["error"]["code"] == -32600);
    c.raw(b"\xff\xfe not utf-8");
    c.wait(|m| m["error"]["code"] == -32700);
    c.send(json!({"jsonrpc": "2.0", "id": {"no": 1}, "method": "initialize"}));
    c.wait(|m| m["error"]["code"] == -32600);

    c.initialize(&dir);
    // a second initialize, an unknown request, an unknown notification, bad params
    let r = c.request("initialize", json!({"capabilities": {}}));
    assert_eq!(r["error"]["code"], -32600);
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify("$/made/up", json!({"x": 1}));
    c.notify("textDocument/didOpen", json!({"textDocument": 7}));
    let r = c.request("textDocument/codeAction", json!({"textDocument": 7}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // code actions for a document nobody opened
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": "file:///nowhere.js"}, "range": range((0, 0), (0, 0)), "context": {"diagnostics": []}}),
    );
    assert_eq!(r["result"], json!([]));
    // didChange for an unknown document
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.js", "version": 2}, "contentChanges": [{"text": "x"}]}),
    );

    let doc = uri(&dir.join("burst.js"));
    c.open(&doc, "const fs = require('fs');\napp.get('/x', (req, res) => {\n\n});\n");
    assert_eq!(c.diagnostics(&doc, 1), Vec::<Value>::new());
    // positions past the end of a line and of the text are clamped
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2},
               "contentChanges": [{"range": range((0, 500), (0, 900)), "text": " // past the line"},
                                  {"range": range((90, 0), (99, 9)), "text": "// past the end\n"}]}),
    );
    assert_eq!(c.diagnostics(&doc, 2), Vec::<Value>::new());

    // 1,000 edits as fast as they can be written, each typing one character into the handler
    let started = Instant::now();
    let line = "  res.send(fs.readFileSync('x'));";
    let mut version = 2;
    for i in 0..1000 {
        version += 1;
        let (col, text) = if i < line.len() { (i, &line[i..i + 1]) } else { (i, " ") };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": doc, "version": version},
                   "contentChanges": [{"range": range((2, col as u32), (2, col as u32)), "text": text}]}),
        );
    }
    // the server answers at once, whatever it is still checking
    let asked = Instant::now();
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": range((2, 0), (2, 0)), "context": {"diagnostics": []}}),
    );
    assert!(r["result"].is_array(), "{r}");
    assert!(asked.elapsed() < Duration::from_secs(5), "answered after {:?}", asked.elapsed());
    // and the findings are those of the last version
    let d = c.diagnostics(&doc, version);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"], json!({"line": 2, "character": 11}));
    assert!(started.elapsed() < TIMEOUT);

    // requests after shutdown are refused; exit then ends the process with 0
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    let r = c.request("textDocument/codeAction", json!({}));
    assert_eq!(r["error"]["code"], -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 0);
}

#[test]
fn exit_without_shutdown_is_an_error_and_end_of_input_ends_the_server() {
    let dir = tempdir("exit");
    let mut c = Client::start();
    c.initialize(&dir);
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 1);

    let c = Client::start();
    assert_eq!(c.exit_code(), 1); // stdin closed without shutdown
}

/// Debug builds have two panic triggers (see `DEBUG_PANIC_MARKER` in src/lsp.rs): a panic in a
/// request handler is answered as an internal error, one in the engine's worker is logged, and the
/// server goes on checking.
#[test]
fn panics_do_not_take_the_server_down() {
    let dir = tempdir("panic");
    let mut c = Client::start();
    c.initialize(&dir);
    let r = c.request("loopsafe/debugPanic", json!({}));
    assert_eq!(r["error"]["code"], -32603, "{r}");

    let doc = uri(&dir.join("p.js"));
    c.open(&doc, "/* loopsafe-debug-panic */\n");
    let log = c.wait(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 1);
    assert!(log["params"]["message"].as_str().unwrap().contains("internal error"), "{log}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": BAD}]}),
    );
    assert_eq!(c.diagnostics(&doc, 2).len(), 1);
    assert_eq!(c.finish(), 0);
}

#[test]
fn steady_typing_still_gets_findings() {
    // a user who types without a pause longer than the quiet period still sees findings: at
    // the latest after MAX_WAIT, even when every check's result arrives after the next keystroke
    let dir = tempdir("typing");
    let mut c = Client::start();
    c.initialize(&dir);
    let file = dir.join("routes.js");
    let u = uri(&file);
    let mut text =
        String::from("const fs = require('fs');\nconst express = require('express');\nconst app = express();\n");
    for i in 0..1500 {
        text.push_str(&format!(
            "app.get('/r{i}', async (req, res) => {{\n  res.send(fs.readFileSync('f{i}'));\n}});\n"
        ));
    }
    c.open(&u, &text);
    c.diagnostics(&u, 1);
    // one keystroke every 60 ms for 4 s: never quiet for the 150 ms debounce
    let start = Instant::now();
    let mut version = 1;
    let mut during: Option<Value> = None;
    while start.elapsed() < Duration::from_secs(4) {
        version += 1;
        let edit = if version % 2 == 0 { " " } else { "" };
        let end = if version % 2 == 0 { 0 } else { 1 };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": version},
                   "contentChanges": [{"range": range((0, 0), (0, end)), "text": edit}]}),
        );
        std::thread::sleep(Duration::from_millis(60));
        // what arrived while typing
        while let Ok(m) = c.rx.try_recv() {
            let published = m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["version"].as_i64().is_some_and(|v| v > 1);
            if published && during.is_none() {
                during = Some(m);
            } else {
                c.backlog.push(m);
            }
        }
    }
    let typed_until = version;
    // findings of some version typed meanwhile arrived before the typing stopped
    let during = during.expect("findings published while the user kept typing");
    assert!(!during["params"]["diagnostics"].as_array().unwrap().is_empty());
    // and the last version once the typing stops
    c.diagnostics(&u, typed_until);
    assert_eq!(c.finish(), 0);
}
