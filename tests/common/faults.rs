//! Hand-written servers for fault injection: a Cognito that answers errors or hangs, a key
//! endpoint that never answers, a proxy that cuts or hangs the connections to a real one.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::emulator_url;

/// One answer of a [`fault_server`].
#[derive(Debug, Clone)]
pub enum Fault {
    /// A status and body.
    Answer(u16, String),
    /// An AWS JSON-protocol error, e.g. `TooManyRequestsException` with status 400.
    AwsError(u16, &'static str),
    /// Accept the request and never answer.
    Hang,
}

/// A hand-written HTTP server for fault injection: answers each request with the next fault
/// of `faults`, repeating the last one. Returns its base URL.
pub async fn fault_server(faults: Vec<Fault>) -> String {
    counting_fault_server(faults).await.0
}

/// [`fault_server`], with the count of requests it received.
pub async fn counting_fault_server(faults: Vec<Fault>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        let mut next = 0;
        let mut hung = Vec::new();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let fault = faults[next.min(faults.len() - 1)].clone();
            next += 1;
            let mut buf = [0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let (status, headers, body) = match fault {
                Fault::Hang => {
                    hung.push(socket);
                    continue;
                }
                Fault::Answer(status, body) => (status, "content-type: application/json\r\n".to_owned(), body),
                Fault::AwsError(status, code) => (
                    status,
                    format!("content-type: application/x-amz-json-1.1\r\nx-amzn-errortype: {code}\r\n"),
                    format!("{{\"__type\":\"{code}\",\"message\":\"injected {code}\"}}"),
                ),
            };
            let reply = format!(
                "HTTP/1.1 {status} X\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (url, count)
}

/// The emulator behind a proxy that answers the calls of one operation (its `X-Amz-Target`,
/// e.g. `RevokeToken`) with a 500 while `failing` is on, and forwards every other request: a
/// Cognito that fails one call. Returns the proxy's URL.
pub struct FailingCall {
    pub url: String,
    pub failing: Arc<std::sync::atomic::AtomicBool>,
    pub failed: Arc<std::sync::atomic::AtomicUsize>,
}

impl FailingCall {
    pub async fn start(operation: &'static str) -> FailingCall {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let upstream = emulator_url().trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let failing = Arc::new(AtomicBool::new(false));
        let failed = Arc::new(AtomicUsize::new(0));
        let (failing2, failed2) = (failing.clone(), failed.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (failing, failed, upstream) = (failing2.clone(), failed2.clone(), upstream.clone());
                tokio::spawn(async move {
                    // One request per connection: its head, then its body by Content-Length.
                    let mut request = Vec::new();
                    let mut buf = [0u8; 8192];
                    let head_end = loop {
                        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                        match client.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    while request.len() < head_end + length {
                        match client.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let target =
                        format!("x-amz-target: awscognitoidentityproviderservice.{}", operation.to_ascii_lowercase());
                    if failing.load(Ordering::SeqCst) && head.lines().any(|l| l.trim() == target) {
                        failed.fetch_add(1, Ordering::SeqCst);
                        let body = r#"{"__type":"InternalErrorException","message":"injected failure"}"#;
                        let reply = format!(
                            "HTTP/1.1 500 X\r\ncontent-type: application/x-amz-json-1.1\r\nx-amzn-errortype: InternalErrorException\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = client.write_all(reply.as_bytes()).await;
                        return;
                    }
                    // Forwarded on a connection of its own, closed after the answer.
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
                    let head: String = head
                        .split("\r\n")
                        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
                        .collect::<Vec<_>>()
                        .join("\r\n");
                    let head = head.trim_end().to_owned() + "\r\nconnection: close\r\n\r\n";
                    if server.write_all(head.as_bytes()).await.is_err()
                        || server.write_all(&request[head_end..]).await.is_err()
                    {
                        return;
                    }
                    let mut answer = Vec::new();
                    let _ = server.read_to_end(&mut answer).await;
                    let _ = client.write_all(&answer).await;
                });
            }
        });
        FailingCall { url, failing, failed }
    }
}

/// A listener that accepts connections and never answers. Returns its URL.
pub async fn hanging_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// A TCP proxy to `target` that the test can cut (every connection dropped, new ones refused),
/// hang (every connection held open, nothing forwarded: a database that stops answering) and
/// restore: a database that goes away and comes back.
pub struct CuttableProxy {
    pub port: u16,
    state: Arc<std::sync::atomic::AtomicU8>,
    cut: Arc<tokio::sync::Notify>,
}

const PROXY_UP: u8 = 0;
const PROXY_CUT: u8 = 1;
const PROXY_HUNG: u8 = 2;

impl CuttableProxy {
    pub async fn start(target: std::net::SocketAddr) -> CuttableProxy {
        use std::sync::atomic::AtomicU8;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(AtomicU8::new(PROXY_UP));
        let cut = Arc::new(tokio::sync::Notify::new());
        let (state2, cut2) = (state.clone(), cut.clone());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut client, _)) = listener.accept().await {
                match state2.load(Ordering::SeqCst) {
                    PROXY_CUT => continue, // dropped: the connection is refused
                    PROXY_HUNG => {
                        held.push(client); // accepted, never answered
                        continue;
                    }
                    _ => {}
                }
                let (cut, state) = (cut2.clone(), state2.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.notified() => {}
                    }
                    if state.load(Ordering::SeqCst) == PROXY_HUNG {
                        // Held open, silent, until the test ends.
                        std::future::pending::<()>().await;
                    }
                });
            }
        });
        CuttableProxy { port, state, cut }
    }

    pub fn cut(&self) {
        self.state.store(PROXY_CUT, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    /// Every connection, open or new, stops answering and stays open.
    pub fn hang(&self) {
        self.state.store(PROXY_HUNG, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    pub fn restore(&self) {
        self.state.store(PROXY_UP, Ordering::SeqCst);
    }
}
