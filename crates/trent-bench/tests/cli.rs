//! The `trent-bench` command line, and its reference server. A run against
//! a real server is `cargo bench -p trent-bench --bench load -- --test`.

#![allow(missing_docs, reason = "test code")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn trent_bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trent-bench"))
}

#[test]
fn help_lists_the_flags_and_hides_the_baseline_server() {
    let output = trent_bench().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for flag in [
        "--endpoint",
        "--ca-bundle",
        "--credentials",
        "--region",
        "--workload",
        "--connections",
        "--duration",
        "--warmup",
        "--keys",
        "--server-pid",
        "--baseline",
        "--strict",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help: {text}");
    }
    assert!(!text.contains("reference server"), "{text}");
}

#[test]
fn help_lists_the_asymmetric_workloads() {
    let output = trent_bench().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for workload in [
        "sign-ecdsa-p256",
        "sign-rsa-2048-pss",
        "sign-ed25519",
        "sign-ml-dsa-65",
        "verify-ecdsa-p256",
        "verify-rsa-2048-pss",
        "verify-ed25519",
        "verify-ml-dsa-65",
        "generate-mac",
        "generate-data-key-pair-rsa-2048",
        "generate-data-key-pair-p256",
        "asymmetric",
    ] {
        assert!(
            text.contains(workload),
            "{workload} missing from --help: {text}"
        );
    }
}

#[test]
fn a_negative_duration_is_refused_before_any_request() {
    let output = trent_bench()
        .args(["--duration=-1", "--endpoint", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("--duration"), "{text}");
}

#[test]
fn an_https_endpoint_needs_a_ca_bundle() {
    let output = trent_bench()
        .args(["--endpoint", "https://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("--ca-bundle"), "{text}");
}

#[test]
fn test_ca_writes_a_ca_a_certificate_and_its_key() {
    let dir = std::env::temp_dir().join(format!("trent-bench-test-ca-{}", std::process::id()));
    let status = trent_bench().arg("test-ca").arg(&dir).status().unwrap();
    assert!(status.success());
    for (name, marker) in [
        ("ca.pem", "BEGIN CERTIFICATE"),
        ("cert.pem", "BEGIN CERTIFICATE"),
        ("key.pem", "PRIVATE KEY"),
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.contains(marker), "{name}: {text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `trent-bench baseline` answers every request with a fixed Encrypt-sized
/// response, on keep-alive connections.
#[test]
fn the_baseline_server_answers_like_encrypt() {
    let mut child = trent_bench()
        .arg("baseline")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("baseline listening on ")
        .unwrap()
        .to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    let mut answers = String::new();
    for answered in 1..=2 {
        stream
            .write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
            .unwrap();
        // The body is one JSON object; read until this one's end.
        while answers.matches("\"}").count() < answered {
            let mut buffer = [0u8; 4096];
            let read = stream.read(&mut buffer).unwrap();
            assert!(read > 0, "connection closed: {answers}");
            answers.push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(answers.matches("HTTP/1.1 200 OK").count(), 2, "{answers}");
    assert!(answers.contains("\"CiphertextBlob\""), "{answers}");
    assert!(answers.contains("application/x-amz-json-1.1"), "{answers}");
}
