//! The wait gates' real commands, run with busybox (the applets of the gate
//! image) against local listeners: a gate blocks until its dependency is
//! ready, then passes; against a dependency that never comes up it fails after
//! its timeout with a message naming the dependency, the address and the time.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Container;
use kokuc::emit::Object;
use kokuc::eval::MemoryLoader;
use kokuc::Options;

use crate::support::{render, system_tool};

/// A stack whose `api` waits for one target of each gate kind.
const STACK: &str = r#"
stack gates { namespace = "gates"; }
let small = { cpu = 100m; memory = 64Mi; };
component db = small // { image = "docker.io/library/postgres:16.4"; ports = { postgres = 5432; }; };
component web = small // { image = "docker.io/library/nginx:1.27.2"; ports = { http = 8080; }; };
component setup = small // { kind = "job"; image = "docker.io/library/busybox:1.37.0"; };
component marker = small // { image = "docker.io/library/busybox:1.37.0"; ports = { http = 80; }; };
component api = small // {
  image = "docker.io/library/nginx:1.27.2";
  after = [
    db,
    { on = web; gate = { http = "/ready"; }; },
    { on = marker; gate = { exec = [ "test", "-e", "MARKER_FILE" ]; image = "docker.io/library/busybox:1.37.0"; }; },
    setup,
  ];
};
"#;

/// The init containers of `api`, keyed by the component they wait for.
fn gates() -> BTreeMap<String, Container> {
    let mut loader = MemoryLoader::new(None);
    loader.insert("gates.koku", STACK);
    let (c, manifests) = kokuc::build(&loader, Path::new("gates.koku"), &Options::default());
    assert!(!c.has_errors(), "{}", render(&c));
    let manifests = manifests.expect("manifests");
    let file = manifests
        .files
        .iter()
        .find(|f| f.component.as_deref() == Some("api"))
        .expect("api's file");
    let deployment = file
        .objects
        .iter()
        .find_map(|o| match o {
            Object::Deployment(d) => Some(d.clone()),
            _ => None,
        })
        .expect("api is a Deployment");
    let pod = deployment.spec.template.spec.expect("pod spec");
    pod.init_containers
        .expect("gates")
        .into_iter()
        .map(|c| (c.name.trim_start_matches("wait-for-").to_string(), c))
        .collect()
}

/// A PATH holding busybox applets, as in the gate image, plus extra scripts.
fn applets(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let busybox = system_tool("busybox");
    let dir = tempfile::tempdir().expect("temp dir");
    for applet in [
        "sh", "nc", "wget", "timeout", "date", "sleep", "test", "true", "cat", "echo",
    ] {
        std::os::unix::fs::symlink(&busybox, dir.path().join(applet)).expect("symlink");
    }
    for (name, script) in extra {
        let path = dir.path().join(name);
        std::fs::write(&path, script).expect("write script");
        let mut perms = std::fs::metadata(&path).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).expect("chmod");
    }
    dir
}

/// Runs a gate container's command the way the kubelet would: its env in order,
/// `$(VAR)` references expanded, with `overrides` replacing values (the local
/// address instead of the in-cluster one, a short timeout).
fn run_gate(
    c: &Container,
    path: &Path,
    overrides: &[(&str, String)],
    args_map: &[(&str, String)],
) -> (bool, String, Duration) {
    let mut env: Vec<(String, String)> = Vec::new();
    for var in c.env.as_deref().unwrap_or_default() {
        let value = overrides
            .iter()
            .find(|(k, _)| *k == var.name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| expand(var.value.as_deref().unwrap_or(""), &env));
        env.push((var.name.clone(), value));
    }
    for (k, v) in overrides {
        if !env.iter().any(|(name, _)| name == k) {
            env.push((k.to_string(), v.clone()));
        }
    }
    let mut command = c.command.clone().expect("command");
    assert_eq!(&command[..2], ["sh", "-c"], "gates run a shell script");
    for arg in command.iter_mut().skip(3) {
        for (from, to) in args_map {
            if arg == from {
                *arg = to.clone();
            }
        }
    }
    let start = Instant::now();
    let mut child = Command::new(path.join("sh"))
        .args(&command[1..])
        .env_clear()
        .env("PATH", path)
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn busybox sh");
    // A hard stop so a broken gate cannot hang the suite.
    let deadline = start + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() || Instant::now() > deadline {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text, start.elapsed())
}

/// Kubernetes' `$(VAR)` expansion against the variables defined so far.
fn expand(value: &str, env: &[(String, String)]) -> String {
    let mut out = value.to_string();
    for (name, v) in env {
        out = out.replace(&format!("$({name})"), v);
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Opens a TCP listener on `port` after `delay`, accepting until `stop`.
fn listen_later(port: u16, delay: Duration, stop: Arc<AtomicBool>, respond: Option<fn(&Instant) -> &'static str>) {
    let opened = Instant::now();
    thread::spawn(move || {
        thread::sleep(delay);
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind later");
        listener.set_nonblocking(true).expect("nonblocking");
        while !stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    if let Some(respond) = respond {
                        answer(&mut stream, respond(&opened));
                    }
                }
                Err(_) => thread::sleep(Duration::from_millis(20)),
            }
        }
    });
}

fn answer(stream: &mut TcpStream, status: &str) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 1024];
    let _ = stream.read(&mut buf);
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
}

fn short(timeout: u32) -> Vec<(&'static str, String)> {
    vec![
        ("KOKUC_TIMEOUT", timeout.to_string()),
        ("KOKUC_INTERVAL", "1".to_string()),
    ]
}

#[test]
fn tcp_gate_blocks_until_the_port_opens_then_passes() {
    let gate = &gates()["db"];
    let port = free_port();
    let stop = Arc::new(AtomicBool::new(false));
    listen_later(port, Duration::from_secs(2), stop.clone(), None);
    let dir = applets(&[]);
    let mut env = short(30);
    env.push(("KOKUC_HOST", "127.0.0.1".to_string()));
    env.push(("KOKUC_PORT", port.to_string()));
    let (ok, out, waited) = run_gate(gate, dir.path(), &env, &[]);
    stop.store(true, Ordering::SeqCst);
    assert!(ok, "the gate should pass once the port opens:\n{out}");
    assert!(out.contains("kokuc: db is ready"), "{out}");
    assert!(
        waited >= Duration::from_millis(1500),
        "the gate passed before the port opened ({waited:?}):\n{out}"
    );
}

#[test]
fn tcp_gate_fails_after_its_timeout_naming_dependency_address_and_time() {
    let gate = &gates()["db"];
    let port = free_port();
    let dir = applets(&[]);
    let mut env = short(3);
    env.push(("KOKUC_HOST", "127.0.0.1".to_string()));
    env.push(("KOKUC_PORT", port.to_string()));
    let (ok, out, waited) = run_gate(gate, dir.path(), &env, &[]);
    assert!(!ok, "nothing listens, the gate must fail:\n{out}");
    assert!(
        waited >= Duration::from_secs(3),
        "gave up before its timeout: {waited:?}"
    );
    assert!(out.contains("gave up waiting for db after"), "{out}");
    assert!(
        out.contains(&format!("127.0.0.1:{port}")),
        "the address is named:\n{out}"
    );
    assert!(out.contains("3s timeout"), "the timeout is named:\n{out}");
}

#[test]
fn http_gate_waits_for_a_2xx_answer() {
    let gate = &gates()["web"];
    let port = free_port();
    let stop = Arc::new(AtomicBool::new(false));
    // Listening at once, but "503" for the first two seconds: a TCP connect would pass too early.
    listen_later(
        port,
        Duration::ZERO,
        stop.clone(),
        Some(|opened| {
            if opened.elapsed() < Duration::from_secs(2) {
                "503 Service Unavailable"
            } else {
                "200 OK"
            }
        }),
    );
    let dir = applets(&[]);
    let mut env = short(30);
    env.push(("KOKUC_HOST", "127.0.0.1".to_string()));
    env.push(("KOKUC_PORT", port.to_string()));
    let (ok, out, waited) = run_gate(gate, dir.path(), &env, &[]);
    stop.store(true, Ordering::SeqCst);
    assert!(ok, "{out}");
    assert!(
        waited >= Duration::from_millis(1500),
        "passed on a 503 ({waited:?}):\n{out}"
    );

    let port = free_port();
    let stop = Arc::new(AtomicBool::new(false));
    listen_later(
        port,
        Duration::ZERO,
        stop.clone(),
        Some(|_| "500 Internal Server Error"),
    );
    let mut env = short(3);
    env.push(("KOKUC_HOST", "127.0.0.1".to_string()));
    env.push(("KOKUC_PORT", port.to_string()));
    let url = format!("http://127.0.0.1:{port}/ready");
    let (ok, out, _) = run_gate(gate, dir.path(), &env, &[]);
    stop.store(true, Ordering::SeqCst);
    assert!(!ok, "a 500 never satisfies the gate:\n{out}");
    assert!(out.contains("gave up waiting for web") && out.contains(&url), "{out}");
}

#[test]
fn exec_gate_retries_its_command_until_it_succeeds() {
    let gate = &gates()["marker"];
    let dir = applets(&[]);
    let marker: PathBuf = dir.path().join("ready-marker");
    let marker_text = marker.display().to_string();
    let created = marker.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_secs(2));
        std::fs::write(created, "").expect("create marker");
    });
    let (ok, out, waited) = run_gate(gate, dir.path(), &short(30), &[("MARKER_FILE", marker_text)]);
    assert!(ok, "{out}");
    assert!(waited >= Duration::from_millis(1500), "{waited:?}\n{out}");
    assert!(out.contains("kokuc: marker is ready"), "{out}");
}

/// The completion gate asks the API server through kubectl; here a stand-in
/// `kubectl` answers `.status.succeeded` from a file the test writes.
#[test]
fn completion_gate_waits_for_the_job_to_succeed() {
    let gate = &gates()["setup"];
    assert!(
        gate.image.as_deref().is_some_and(|i| i.contains("kubectl")),
        "runs in a kubectl image"
    );
    let state = tempfile::tempdir().expect("temp");
    let status = state.path().join("succeeded");
    let fake = format!(
        "#!{}\n# Arguments as the gate passes them: get job NAME --namespace NS --output jsonpath\n[ \"$1 $2 $3\" = \"get job setup\" ] || exit 3\n[ \"$5\" = gates ] || exit 4\ncat {} 2>/dev/null || exit 1\n",
        system_tool("busybox").display().to_string() + " sh",
        status.display()
    );
    let dir = applets(&[("kubectl", &fake)]);
    let written = status.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_secs(2));
        std::fs::write(written, "1").expect("write status");
    });
    let (ok, out, waited) = run_gate(gate, dir.path(), &short(30), &[]);
    assert!(ok, "{out}");
    assert!(waited >= Duration::from_millis(1500), "{waited:?}\n{out}");

    std::fs::remove_file(&status).expect("reset");
    let (ok, out, _) = run_gate(gate, dir.path(), &short(3), &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("gave up waiting for setup") && out.contains("completion of Job setup"),
        "{out}"
    );
}
