//! The Lambda runtime emulator the end-to-end test runs the function under, stopped by its guard.

use super::*;

/// `cargo lambda watch` serving the function on a loopback port, and the test's temporary directory.
pub(super) struct Emulator {
    child: Child,
    port: u16,
    log: PathBuf,
    dir: PathBuf,
    invocations: usize,
}

impl Emulator {
    pub(super) fn start(table: &str, namespace: &str, dir: PathBuf) -> Self {
        // A free port: bind port 0, read it, release it. (Another program could take it before the emulator binds
        // it; the readiness wait below then fails and says so.)
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.join("watch.log");
        // One open file for both streams, so their lines interleave instead of overwriting each other.
        let log_file = File::create(&log).unwrap();
        // In the function's package directory, so the emulator's `cargo run` builds what `sam build` builds: the
        // function over the library without the CLI's feature.
        let child = cargo_lambda()
            .current_dir(Path::new(ROOT).join("crates/function"))
            .args(["watch", "-A", "127.0.0.1", "-P", &port.to_string()])
            .args(["--env-var", &format!("INDEX_TABLE={table}")])
            .args(["--env-var", &format!("METRICS_NAMESPACE={namespace}")])
            .args(["--env-var", &format!("AWS_ENDPOINT_URL={}", moto::endpoint())])
            .args(["--env-var", "AWS_REGION=us-east-1"])
            .args(["--env-var", "AWS_ACCESS_KEY_ID=test"])
            .args(["--env-var", "AWS_SECRET_ACCESS_KEY=test"])
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("cannot start cargo-lambda (scripts/tools.sh lambda installs it into .tools/lambda)");
        let mut emulator = Self {
            child,
            port,
            log,
            dir,
            invocations: 0,
        };
        emulator.await_ready();
        emulator
    }

    /// Waits until the emulator accepts connections (it starts in about a second; 60 s covers a busy machine),
    /// then until the function itself answers: a first invocation with a CloudWatch Logs control message, which
    /// the function acknowledges without writing anything.
    pub(super) fn await_ready(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "cargo lambda watch exited ({status}) before answering:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not answer on {addr} within 60 s:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // The first invocation makes the emulator `cargo run` the function, in its package (the library without the
        // CLI's feature: not the feature set the tests were built with), so it compiles it, in the same target
        // directory (cargo's build lock is free while tests run); a cold debug build takes minutes on a busy
        // 2-core machine, hence the generous 600 s.
        let control = Path::new(ROOT).join("events/control-message.json");
        self.invoke(&control, Duration::from_secs(600));
    }

    /// Invokes the function with an event file through `cargo lambda invoke`, bounded; returns the function's own
    /// summary line for that batch ("batch indexed ...", from the emulator's log).
    pub(super) fn invoke(&mut self, event: &Path, bound: Duration) -> String {
        let what = format!("cargo lambda invoke with {}", event.display());
        let o = run_bounded(
            cargo_lambda()
                .args(["invoke", "apigw-log-indexer", "-A", "127.0.0.1", "-P"])
                .arg(self.port.to_string())
                .arg("--data-file")
                .arg(event),
            bound,
            &what,
            &self.dir,
        );
        assert!(
            o.status.success(),
            "{what}: {}{}\nemulator log:\n{}",
            text(&o.stdout),
            text(&o.stderr),
            self.log_tail()
        );
        // The handler returns nothing for a CloudWatch Logs event.
        assert_eq!(text(&o.stdout).trim(), "null", "{what}: unexpected response");
        self.invocations += 1;
        self.summary(self.invocations)
    }

    /// The `n`th "batch indexed" line of the function. It is logged before the invocation returns, but the
    /// emulator relays the function's output asynchronously, so wait for it (bounded, 10 s).
    pub(super) fn summary(&self, n: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = log.lines().filter(|l| l.contains("batch indexed")).nth(n - 1) {
                return line.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no summary line #{n} from the function within 10 s:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(super) fn log_tail(&self) -> String {
        tail(&self.log, 30)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // SIGTERM, not Child::kill (SIGKILL): on SIGTERM cargo-lambda stops the function instance it spawned,
        // which runs in a session of its own and so would outlive a killed emulator. SIGKILL only if it has not
        // exited after 10 s, and then the function instance by its PID too.
        let pid = self.child.id();
        let instances = children_of(pid);
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(100));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            for instance in instances {
                let _ = Command::new("kill").args(["-KILL", &instance.to_string()]).status();
            }
        }
        if std::thread::panicking() {
            eprintln!("lambda_e2e: kept {} (emulator log: watch.log)", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
