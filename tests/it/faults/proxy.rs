//! A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of the project's moto server, for the faults
//! real AWS produces and moto never does: throttling answers, server faults, partial `BatchWriteItem`s
//! (`UnprocessedItems`), connections reset before and after the request reached the server, and answers
//! held past the SDK's attempt timeout. It can also hold one chosen request so a test can kill the
//! client process right there. Faults are drawn from a seeded RNG, in the order requests arrive.
//!
//! One thread per client connection; each request is forwarded on a fresh upstream connection. Every
//! request is logged with its operation, the fault and whether it reached moto.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use super::http::{Answer, Request, forward, read_body, read_head, respond};

/// What the proxy did to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// Forwarded, answered.
    None,
    /// Answered with a throttling error, not forwarded.
    Throttle,
    /// Answered with a 500 server fault, not forwarded.
    ServerError,
    /// Connection reset after reading the request, not forwarded.
    ResetBefore,
    /// Forwarded (applied), then the connection reset instead of the answer.
    ResetAfter,
    /// Forwarded (applied), the answer held past the client's attempt timeout.
    Hold,
    /// `BatchWriteItem`: half the items forwarded, the rest answered as `UnprocessedItems`.
    Partial,
    /// Held for a kill (forwarded or not, as armed).
    Kill,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Record {
    /// `BatchWriteItem`, `PutItem`, `PutMetricData`, ...
    pub op: String,
    /// What was done to it.
    pub fault: Fault,
    /// Whether moto received it (its effect is applied).
    pub forwarded: bool,
    /// The (decompressed) body, kept for `PutMetricData` only.
    pub body: String,
}

/// Where to hold a request for a kill: the `nth` (1-based) request of `op` after arming.
#[derive(Debug, Clone)]
pub struct KillPoint {
    /// Operation.
    pub op: &'static str,
    /// Which one.
    pub nth: usize,
    /// Forward it to moto before holding (applied, answer lost) or not.
    pub forward: bool,
}

enum Mode {
    Pass,
    Random {
        rng: fastrand::Rng,
    },
    Kill {
        point: KillPoint,
        seen: usize,
        armed: Sender<()>,
    },
}

struct Shared {
    upstream: SocketAddr,
    hold: Duration,
    mode: Mutex<Mode>,
    log: Mutex<Vec<Record>>,
}

/// A running proxy (its threads live as long as the test process).
#[derive(Clone)]
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    shared: Arc<Shared>,
}

impl Proxy {
    /// A proxy in front of `upstream_url` (moto), passing everything until told otherwise. `hold` is how
    /// long a held answer waits (longer than the client's attempt timeout).
    pub fn start(upstream_url: &str, hold: Duration) -> Self {
        let upstream: SocketAddr = upstream_url.trim_start_matches("http://").parse().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            upstream,
            hold,
            mode: Mutex::new(Mode::Pass),
            log: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                thread::spawn(move || serve(&s, conn));
            }
        });
        Self { url, shared }
    }

    /// Draw faults from an RNG seeded with `seed`.
    pub fn random(&self, seed: u64) {
        *self.shared.mode.lock().unwrap() = Mode::Random {
            rng: fastrand::Rng::with_seed(seed),
        };
    }

    /// Pass everything.
    pub fn pass(&self) {
        *self.shared.mode.lock().unwrap() = Mode::Pass;
    }

    /// Hold the request at `point`; `armed` hears when it is held.
    pub fn kill_at(&self, point: KillPoint, armed: Sender<()>) {
        *self.shared.mode.lock().unwrap() = Mode::Kill { point, seen: 0, armed };
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Record> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Faults injected so far, by operation.
    pub fn counts(&self) -> BTreeMap<(String, Fault), usize> {
        let mut out = BTreeMap::new();
        for r in self.log().iter().filter(|r| r.fault != Fault::None) {
            *out.entry((r.op.clone(), r.fault)).or_insert(0) += 1;
        }
        out
    }
}

/// Fault rates per request, in percent: resets and holds are what make an outcome unknown.
fn draw(rng: &mut fastrand::Rng, op: &str, items: usize) -> Fault {
    let roll = rng.u32(0..100);
    let table: &[(u32, Fault)] = match op {
        "PutMetricData" => &[
            (8, Fault::Throttle),
            (5, Fault::ServerError),
            (7, Fault::ResetBefore),
            (7, Fault::ResetAfter),
            (5, Fault::Hold),
        ],
        "BatchWriteItem" if items > 1 => &[
            (5, Fault::Throttle),
            (3, Fault::ServerError),
            (4, Fault::ResetBefore),
            (4, Fault::ResetAfter),
            (2, Fault::Hold),
            (8, Fault::Partial),
        ],
        _ => &[
            (5, Fault::Throttle),
            (3, Fault::ServerError),
            (5, Fault::ResetBefore),
            (5, Fault::ResetAfter),
            (3, Fault::Hold),
        ],
    };
    let mut acc = 0;
    for (p, f) in table {
        acc += p;
        if roll < acc {
            return *f;
        }
    }
    Fault::None
}

/// The error answer each protocol uses for throttling or a server fault.
fn error_answer(op: &str, throttle: bool) -> Answer {
    let dynamodb = !matches!(op, "PutMetricData" | "GetMetricStatistics" | "ListMetrics" | "Unknown");
    let status = if throttle {
        "400 Bad Request"
    } else {
        "500 Internal Server Error"
    };
    if dynamodb {
        let kind = if throttle {
            "ProvisionedThroughputExceededException"
        } else {
            "InternalServerError"
        };
        let body = json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": "injected by the test proxy"});
        let headers = vec![("content-type".into(), "application/x-amz-json-1.0".into())];
        return (format!("HTTP/1.1 {status}"), headers, body.to_string().into_bytes());
    }
    let (kind, code) = if throttle {
        ("Sender", "Throttling")
    } else {
        ("Receiver", "InternalServiceError")
    };
    let body = format!(
        "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><Error><Type>{kind}</Type>\
         <Code>{code}</Code><Message>injected by the test proxy</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    );
    let headers = vec![("content-type".into(), "text/xml".into())];
    (format!("HTTP/1.1 {status}"), headers, body.into_bytes())
}

/// A reset (RST), not an orderly close: what a client sees when a connection breaks.
fn reset(conn: TcpStream) {
    let _ = socket2::SockRef::from(&conn).set_linger(Some(Duration::ZERO));
    drop(conn);
}

fn serve(s: &Shared, conn: TcpStream) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    loop {
        let Some((line, headers)) = read_head(&mut reader) else {
            return;
        };
        let Some(body) = read_body(&mut reader, &headers, false) else {
            return;
        };
        let req = Request { line, headers, body };
        let (op, text) = req.op();
        let items = if op == "BatchWriteItem" {
            batch_items(&text).map_or(0, |(_, v)| v.len())
        } else {
            0
        };
        let (fault, kill) = {
            let mut mode = s.mode.lock().unwrap();
            match &mut *mode {
                Mode::Pass => (Fault::None, None),
                Mode::Random { rng } => (draw(rng, &op, items), None),
                Mode::Kill { point, seen, armed } if point.op == op => {
                    *seen += 1;
                    if *seen == point.nth {
                        (Fault::Kill, Some((point.forward, armed.clone())))
                    } else {
                        (Fault::None, None)
                    }
                }
                Mode::Kill { .. } => (Fault::None, None),
            }
        };
        let forwarded = match fault {
            Fault::Throttle | Fault::ServerError | Fault::ResetBefore => false,
            Fault::Kill => kill.as_ref().is_some_and(|(f, _)| *f),
            _ => true,
        };
        s.log.lock().unwrap().push(Record {
            op: op.clone(),
            fault,
            forwarded,
            body: if op == "PutMetricData" {
                text.clone()
            } else {
                String::new()
            },
        });
        match fault {
            Fault::None => {
                let Some((l, h, b)) = forward(s.upstream, &req, &req.body) else {
                    return reset(conn);
                };
                if respond(&mut conn, &l, &h, &b).is_err() {
                    return;
                }
            }
            Fault::Throttle | Fault::ServerError => {
                let (l, h, b) = error_answer(&op, fault == Fault::Throttle);
                if respond(&mut conn, &l, &h, &b).is_err() {
                    return;
                }
            }
            Fault::ResetBefore => return reset(conn),
            Fault::ResetAfter => {
                let _ = forward(s.upstream, &req, &req.body);
                return reset(conn);
            }
            Fault::Hold => {
                let answer = forward(s.upstream, &req, &req.body);
                thread::sleep(s.hold);
                if let Some((l, h, b)) = answer {
                    let _ = respond(&mut conn, &l, &h, &b);
                }
                return;
            }
            Fault::Partial => {
                let Some((table, puts)) = batch_items(&text) else {
                    return reset(conn);
                };
                let keep = puts.len() / 2;
                let mut sent: Value = serde_json::from_str(&text).unwrap();
                sent["RequestItems"][&table] = Value::Array(puts[..keep].to_vec());
                let sent = sent.to_string();
                let mut plain = Request {
                    line: req.line.clone(),
                    headers: req.headers.clone(),
                    body: Vec::new(),
                };
                plain
                    .headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("content-encoding"));
                let Some((l, h, b)) = forward(s.upstream, &plain, sent.as_bytes()) else {
                    return reset(conn);
                };
                let answer = if l.contains(" 200 ") {
                    json!({"UnprocessedItems": {table: puts[keep..].to_vec()}})
                        .to_string()
                        .into_bytes()
                } else {
                    b
                };
                if respond(&mut conn, &l, &h, &answer).is_err() {
                    return;
                }
            }
            Fault::Kill => {
                if forwarded {
                    let _ = forward(s.upstream, &req, &req.body);
                }
                if let Some((_, armed)) = kill {
                    let _ = armed.send(());
                }
                // The client is killed meanwhile; nothing is ever answered.
                thread::sleep(Duration::from_secs(30));
                return;
            }
        }
    }
}

/// The table and the write requests of a `BatchWriteItem` body.
fn batch_items(body: &str) -> Option<(String, Vec<Value>)> {
    let v: Value = serde_json::from_str(body).ok()?;
    let (table, items) = v["RequestItems"].as_object()?.iter().next()?;
    Some((table.clone(), items.as_array()?.clone()))
}
