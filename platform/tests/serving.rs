//! The server bounds what a client can hold: slow or silent clients are cut off, connections are capped, and a
//! stalled client cannot keep the process from exiting on SIGTERM. Real TCP on loopback.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{parse_response, Platform, StoreKind};
use sanban_platform::ServeOptions;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn options() -> ServeOptions {
    ServeOptions {
        header_read_timeout: Duration::from_secs(3),
        idle_timeout: Duration::from_secs(2),
        ..ServeOptions::default()
    }
}

/// Reads until the server closes the connection (or `limit` passes: then `None`).
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()?;
    Some(bytes)
}

/// Reads one `/healthz` reply on a kept-alive connection.
async fn read_healthz(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 1024];
    while !bytes.ends_with(b"ok\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("no reply")
            .unwrap();
        assert!(n > 0, "closed before the reply");
        bytes.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(bytes).unwrap()
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: platform\r\n\r\n";

#[tokio::test]
async fn a_client_trickling_a_header_line_every_2_s_is_cut_off_with_a_json_408() {
    let p = Platform::start_with(StoreKind::Sqlite, options()).await;
    let stream = TcpStream::connect(p.addr()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: platform\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        let mut sent = 0;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            if writer.write_all(b"X-Slow: 1\r\n").await.is_err() {
                break;
            }
            sent += 1;
        }
        sent
    });
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), reader.read_to_end(&mut bytes))
        .await
        .expect("the trickling client was never cut off")
        .unwrap();
    let (status, headers, body) = parse_response(&bytes);
    assert_eq!(status, 408, "{}", String::from_utf8_lossy(&bytes));
    assert!(headers.contains(&("content-type".into(), "application/json".into())));
    let error: Value = serde_json::from_str(&body).unwrap();
    assert!(error["error"]
        .as_str()
        .unwrap()
        .contains("not received in time"));
    // Cut off after the first line or two, not after all ten.
    assert!(trickle.await.unwrap() < 10);
    p.stop().await;
}

#[tokio::test]
async fn a_client_that_sends_nothing_is_cut_off_without_a_reply() {
    let p = Platform::start_with(StoreKind::Sqlite, options()).await;
    let mut stream = TcpStream::connect(p.addr()).await.unwrap();
    let bytes = read_to_close(&mut stream, Duration::from_secs(15))
        .await
        .expect("the silent client was never cut off");
    assert!(bytes.is_empty(), "{}", String::from_utf8_lossy(&bytes));
    p.stop().await;
}

#[tokio::test]
async fn a_kept_alive_connection_serves_again_then_closes_when_idle() {
    let p = Platform::start_with(StoreKind::Sqlite, options()).await;
    let mut stream = TcpStream::connect(p.addr()).await.unwrap();
    stream.write_all(HEALTHZ).await.unwrap();
    assert!(read_healthz(&mut stream).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    stream.write_all(HEALTHZ).await.unwrap();
    assert!(read_healthz(&mut stream).await.starts_with("HTTP/1.1 200"));
    let rest = read_to_close(&mut stream, Duration::from_secs(15))
        .await
        .expect("the idle connection was never closed");
    assert!(rest.is_empty());
    p.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_a_slot_frees() {
    let p = Platform::start_with(
        StoreKind::Sqlite,
        ServeOptions {
            max_connections: 2,
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            ..ServeOptions::default()
        },
    )
    .await;
    // Two kept-alive connections hold both slots.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(p.addr()).await.unwrap();
        s.write_all(HEALTHZ).await.unwrap();
        read_healthz(&mut s).await;
        held.push(s);
    }
    // A third connects (the kernel queues it) but is not served while they stay.
    let mut third = TcpStream::connect(p.addr()).await.unwrap();
    third.write_all(HEALTHZ).await.unwrap();
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf))
            .await
            .is_err(),
        "served beyond the cap"
    );
    // One leaves: the waiting connection is served.
    drop(held.remove(0));
    assert!(read_healthz(&mut third).await.starts_with("HTTP/1.1 200"));
    p.stop().await;
}

#[test]
fn a_stalled_client_does_not_hold_sigterm_past_the_shutdown_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .args([
            "--header-read-timeout",
            "120",
            "--idle-timeout",
            "120",
            "--shutdown-deadline",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // A client stalled halfway through its request head, and one resting between requests.
        let mut stalled = TcpStream::connect(&addr).await.unwrap();
        stalled
            .write_all(b"POST /v1/catalog HTTP/1.1\r\nHost: platform\r\n")
            .await
            .unwrap();
        let mut resting = TcpStream::connect(&addr).await.unwrap();
        resting.write_all(HEALTHZ).await.unwrap();
        read_healthz(&mut resting).await;

        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let sent = Instant::now();
        let exit = loop {
            if let Some(exit) = child.try_wait().unwrap() {
                break exit;
            }
            if sent.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("the platform did not exit on SIGTERM with a stalled client connected");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(exit.success(), "{exit:?}");
        // The resting connection was closed, the stalled one dropped.
        assert_eq!(
            read_to_close(&mut resting, Duration::from_secs(5)).await,
            Some(Vec::new())
        );
        assert!(read_to_close(&mut stalled, Duration::from_secs(5))
            .await
            .is_some());
    });
}
