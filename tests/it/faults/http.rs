//! Just enough HTTP/1.1 for the fault proxy: read a request or an answer (`Content-Length` or chunked), forward
//! a request to moto on a fresh connection, write an answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub struct Request {
    pub line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The operation and the body as text (gunzipped when the SDK compressed it).
    pub fn op(&self) -> (String, String) {
        let body = if self.header("content-encoding") == Some("gzip") {
            let mut s = String::new();
            let _ = flate2::read::GzDecoder::new(&self.body[..]).read_to_string(&mut s);
            s
        } else {
            String::from_utf8_lossy(&self.body).into_owned()
        };
        if let Some(target) = self.header("x-amz-target") {
            return (target.rsplit('.').next().unwrap_or(target).to_string(), body);
        }
        let action = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("Unknown")
            .to_string();
        (action, body)
    }
}

pub fn read_head(r: &mut impl BufRead) -> Option<(String, Vec<(String, String)>)> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Some((line.trim_end().to_string(), headers))
}

pub fn read_body(r: &mut impl BufRead, headers: &[(String, String)], to_eof: bool) -> Option<Vec<u8>> {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                return Some(body);
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    match get("content-length") {
        Some(n) => {
            body.resize(n.parse().ok()?, 0);
            r.read_exact(&mut body).ok()?;
        }
        None if to_eof => {
            r.read_to_end(&mut body).ok()?;
        }
        None => {}
    }
    Some(body)
}

/// An HTTP answer: status line, headers, body.
pub type Answer = (String, Vec<(String, String)>, Vec<u8>);

/// Sends the request to moto on a fresh connection; its answer.
pub fn forward(upstream: SocketAddr, req: &Request, body: &[u8]) -> Option<Answer> {
    let mut up = TcpStream::connect(upstream).ok()?;
    let mut head = format!("{}\r\n", req.line);
    for (k, v) in &req.headers {
        if !["connection", "content-length", "transfer-encoding"].contains(&k.to_ascii_lowercase().as_str()) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()));
    up.write_all(head.as_bytes()).ok()?;
    up.write_all(body).ok()?;
    let mut r = BufReader::new(up);
    let (line, headers) = read_head(&mut r)?;
    let body = read_body(&mut r, &headers, true)?;
    Some((line, headers, body))
}

pub fn respond(conn: &mut TcpStream, line: &str, headers: &[(String, String)], body: &[u8]) -> std::io::Result<()> {
    let mut head = format!("{line}\r\n");
    for (k, v) in headers {
        if !["connection", "content-length", "transfer-encoding"].contains(&k.to_ascii_lowercase().as_str()) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)?;
    conn.flush()
}
