"""The README's quick start, snippet, SDK example and curl call, taken from README.md as printed and
run against a live collector: each does what the README says it does."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from collector.domain.snippet import QUEUE_STUB

README = Path(__file__).resolve().parents[2] / "README.md"
#: The step the suite itself stands on: `make` builds .venv with this very install.
INSTALL = re.compile(r"^python3 -m venv .*pip install -e \.")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), re.S | re.M)


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def commands(block: str) -> list[str]:
    """The block's commands with their comments cut off; comment-only lines (what a command
    prints) are left out."""
    found = []
    for line in block.splitlines():
        command = _without_comment(line).strip()
        if command:
            found.append(command)
    return found


def _without_comment(line: str) -> str:
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QuickStart:
    """A shell following the README: its environment, the keys it printed, a collector it ran."""

    def __init__(self, tmp_path: Path):
        self.dir = tmp_path
        self.port = free_port()
        self.env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "FIILIS_DATABASE_URL": f"sqlite:///{tmp_path / 'fiilis.db'}",
            "FLASK_RUN_PORT": str(self.port),
        }
        self.env.pop("FIILIS_PUBLIC_URL", None)
        self.values: dict[str, str] = {}
        self.server: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fill(self, text: str) -> str:
        for placeholder in ("pk_…", "sk_…", "srv_…"):
            if placeholder in text:
                text = text.replace(placeholder, self.values[placeholder])
        return text.replace("https://feedback.acme.test", self.url).replace(
            "http://127.0.0.1:5000", self.url
        )

    def run(self, command: str) -> subprocess.CompletedProcess:
        if command.startswith("export "):
            name, value = command.removeprefix("export ").split("=", 1)
            self.env[name] = shlex.split(value)[0]
            return subprocess.CompletedProcess(command, 0, "", "")
        if command.startswith("fiilis run"):
            self.server = subprocess.Popen(
                shlex.split(command), env=self.env, cwd=self.dir, stderr=subprocess.DEVNULL
            )
            self.wait_until_up()
            return subprocess.CompletedProcess(command, 0, "", "")
        done = subprocess.run(
            ["bash", "-c", self.fill(command)],
            env=self.env,
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        self.remember(done.stdout)
        return done

    def remember(self, output: str) -> None:
        for pattern, placeholder in (
            (r"public key\s+(pk_\w+)", "pk_…"),
            (r"secret key\s+(sk_\w+)", "sk_…"),
            (r"Survey (srv_\w+) created", "srv_…"),
        ):
            found = re.search(pattern, output)
            if found:
                self.values[placeholder] = found.group(1)

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("fiilis run did not answer")

    def stop(self) -> None:
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=10)


@pytest.fixture
def shell(tmp_path):
    quick = QuickStart(tmp_path)
    yield quick
    quick.stop()


def test_the_readme_works_as_printed(shell):
    start = section("Quick start")
    quick = next(b for b in blocks("sh") if f"```sh\n{b}" in start)
    lines = commands(quick)
    assert INSTALL.match(lines[0]), "the quick start begins with its install step"
    for command in lines[1:]:
        shell.run(command)
    # what the quick start says it made
    assert {"pk_…", "sk_…", "srv_…"} <= set(shell.values)
    api = httpx.Client(
        base_url=shell.url, headers={"Authorization": f"Bearer {shell.values['sk_…']}"}
    )
    survey = api.get(f"/v1/surveys/{shell.values['srv_…']}").json()
    assert (survey["kind"], survey["trigger_events"]) == ("csat", ["invoice.paid"])
    assert api.get("/v1/site").json()["allowed_origins"] == ["https://app.acme.test"]
    home = httpx.get(shell.url + "/", follow_redirects=False)
    assert home.status_code == 302 and home.headers["Location"].endswith("/dashboard/")
    login = httpx.get(shell.url + "/dashboard/login")
    assert login.status_code == 200

    # the snippet the README shows is the one fiilis snippet prints, queue stub first
    [snippet_block] = blocks("html")
    printed = shell.run(
        "fiilis snippet --site pk_… --base-url https://feedback.acme.test"
    ).stdout.splitlines()
    shown = snippet_block.splitlines()
    assert shown[0] == QUEUE_STUB == printed[0]
    assert printed[1].startswith(f'<script async src="{shell.url}/widget/fiilis.')
    shown_attrs = re.findall(r"([\w-]+)=", " ".join(shown[1:3]))
    printed_attrs = re.findall(r"([\w-]+)=", printed[1])
    assert [a for a in shown_attrs if a in printed_attrs] == printed_attrs

    # the SDK example, as printed, with this collector's keys
    [sdk] = blocks("python")
    run = subprocess.run(
        [sys.executable, "-c", shell.fill(sdk)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    link_line = run.stdout.splitlines()[0]
    assert link_line.startswith(f"{shell.url}/r/"), run.stdout  # a real link for the e-mail

    # the curl call creates the survey it shows
    curl = next(b for b in blocks("sh") if b.startswith("curl"))
    made = subprocess.run(
        ["bash", "-c", shell.fill(curl).replace("curl ", "curl -sS -f ", 1)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert '"kind": "nps"' in made.stdout.replace('":"', '": "') or '"kind":"nps"' in made.stdout
