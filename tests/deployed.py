"""The app in the shape it is deployed in, for tests: production settings, several gunicorn
workers, and nginx in front terminating TLS with a throwaway certificate.

The nginx server block is the one README.md's "Running it for real" shows, with the test's own
ports and certificate. Everything runs as the test's own processes on 127.0.0.1 (never the
system's nginx), and is stopped when the `with` block ends.
"""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

NGINX_CONF = """
worker_processes 1;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/client_body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {dir}/cert.pem;
    ssl_certificate_key {dir}/key.pem;
    client_max_body_size 25m;
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $host:$server_port;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
    }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), valid two days: (cert.pem, key.pem)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def spki_hash(cert: Path) -> str:
    """The certificate's public key hash, for Chromium's --ignore-certificate-errors-spki-list.

    Chromium then treats the throwaway certificate as valid for this one key, so the page is a
    real secure context (service worker, camera) rather than an origin with a TLS error.
    """
    public = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"],
                            check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public,
                         check=True, capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s:\n{log.read_text()[-3000:]}")


class Deployment:
    """gunicorn (production settings, `workers` processes) behind nginx with TLS, on 127.0.0.1.

    `url` is the public https:// origin; `env` the environment the app runs with, for the
    mail sender and other commands (`command()`), as the Procfile's processes share it.
    """

    def __init__(self, directory: Path, database_url: str, smtp_url: str, *, workers: int = 2,
                 redis_url: str = "", extra_env: dict[str, str] | None = None) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port, self.upstream = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("EVENTNET_", "TEST_"))},
            "EVENTNET_ENV": "production",
            "SECRET_KEY": "deployed-test-secret-" + "x" * 32,
            "DATABASE_URL": database_url,
            "BASE_URL": self.url,
            "SMTP_URL": smtp_url,
            "TRUSTED_PROXIES": "1",
            "REDIS_URL": redis_url,
            "WEB_CONCURRENCY": str(workers),
            "FLASK_APP": "wsgi",
            "PYTHONPATH": str(ROOT),
            **(extra_env or {}),
        }
        self.processes: list[subprocess.Popen] = []

    def command(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run `flask ARGS` with the deployment's environment (like the Procfile's worker or release)."""
        return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def send_mail(self) -> None:
        """One round of the mail sender (`flask mail send`, what the worker does every few seconds)."""
        done = self.command("mail", "send")
        assert done.returncode == 0, done.stderr[-3000:]

    def __enter__(self) -> Deployment:
        self.cert, self.key = make_certificate(self.dir)
        gunicorn_log = self.dir / "gunicorn.log"
        with gunicorn_log.open("w") as out:  # the child keeps its own copy of the descriptor
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", str(self.workers), "--threads", "4",
                 "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.upstream}", "--graceful-timeout", "5"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            ))
        _wait_for_port(self.upstream, self.processes[-1], gunicorn_log)
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read this test's 0700 folder
        (self.dir / "nginx.conf").write_text(
            NGINX_CONF.format(dir=self.dir, port=self.port, upstream=self.upstream, user=user))
        nginx_log = self.dir / "nginx.out"
        with nginx_log.open("w") as out:
            self.processes.append(subprocess.Popen(
                [NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            ))
        _wait_for_port(self.port, self.processes[-1], nginx_log)
        return self

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def log(self) -> str:
        """What gunicorn wrote (tracebacks of the app included)."""
        return (self.dir / "gunicorn.log").read_text()
