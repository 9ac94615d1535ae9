"""The HTML report in a real browser: Debian's headless Chromium opens a report made from the
bundled sample, offline. Tables and charts must have rendered, the page must have logged no
error, and a click through to one subject must open that subject's explanation. A screenshot
is kept in tests/artifacts/ (git-ignored) for a person to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from spm_rules.cli.main import main

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
]

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI must have Debian's chromium: .ci/run installs it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here")


def _browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    path = folder / "spm.html"
    assert main(["check", "--period", "2018", "--format", "html", "--output", str(path), "--mask-nik"]) == 0
    return path


def test_the_report_renders_offline_with_tables_charts_and_no_errors(report, tmp_path):
    html = report.read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    run = _browser(tmp_path, "--dump-dom", report.as_uri())
    dom = run.stdout
    assert 'data-ready="yes"' in dom, run.stderr[-2000:]
    assert "data-errors" not in dom
    assert not re.search(r"Uncaught|CONSOLE\(\d+\)].*(Error|error)", run.stderr), run.stderr[-2000:]
    assert dom.count("<svg") == 12 and dom.count('class="bar"') >= 36
    assert dom.count("<table") == 12 and "Sesuai standar" in dom and "22,86 %" in dom
    assert not re.search(r"(?<![\d.])\d{16}(?!\d)", dom)  # NIKs masked everywhere


def test_clicking_a_subject_opens_its_explanation(report, tmp_path):
    html = report.read_text(encoding="utf-8")
    sid = re.search(r'<details class="subject" id="(s-ibu_hamil-[^"]+)"', html).group(1)
    run = _browser(tmp_path, "--dump-dom", f"{report.as_uri()}?open={sid}")
    opened = re.search(rf'<details class="subject" id="{re.escape(sid)}"[^>]*>', run.stdout)
    assert opened is not None and "open" in opened.group(0), run.stderr[-2000:]
    assert re.search(r'<details class="subjects" open', run.stdout)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "html-report.png"
    run = _browser(
        tmp_path, "--window-size=1280,1800", f"--screenshot={shot}", f"{report.as_uri()}?open={sid}"
    )
    assert shot.exists() and shot.stat().st_size > 20_000, run.stderr[-2000:]
