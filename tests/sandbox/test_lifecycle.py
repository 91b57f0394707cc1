"""Starting and stopping: fast, clean, many per session; the command line; the pytest fixture; speed at scale."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from atono.testing import API_KEY, OTHER_API_KEY, Sandbox
from atono_wire.models import BugCollectionDocument


def test_a_sandbox_starts_and_stops_in_well_under_a_second() -> None:
    sandbox = Sandbox(stories=250, seed=0)
    started = time.monotonic()
    sandbox.start()
    start_time = time.monotonic() - started
    assert sandbox.running
    assert sandbox.url == f"http://127.0.0.1:{sandbox.port}/v1"
    with httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client:
        assert client.get("/stories").status_code == 200
        started = time.monotonic()
        sandbox.stop()  # with the client's keep-alive connection still open
        stop_time = time.monotonic() - started
    assert start_time < 1.0 and stop_time < 1.0
    assert not sandbox.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sandbox.url}/stories")
    sandbox.stop()  # stopping twice is harmless


def test_the_keys_are_obvious_test_keys(shared_sandbox: Sandbox) -> None:
    assert (shared_sandbox.api_key, shared_sandbox.other_api_key) == (API_KEY, OTHER_API_KEY)
    assert all(key.startswith("atono_sandbox_") for key in (API_KEY, OTHER_API_KEY))


def test_many_sandboxes_run_side_by_side() -> None:
    sandboxes = [Sandbox(stories=10, seed=n).start() for n in range(6)]
    try:
        assert len({s.port for s in sandboxes}) == 6
        for sandbox in sandboxes:
            response = httpx.get(f"{sandbox.url}/stories", headers={"X-API-KEY": sandbox.api_key})
            assert response.json()["meta"]["count"] == 10
    finally:
        for sandbox in sandboxes:
            sandbox.stop()


def test_a_sandbox_cannot_be_started_twice_at_once() -> None:
    with Sandbox(stories=1) as sandbox, pytest.raises(RuntimeError, match="already running"):
        sandbox.start()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"users": 1}, "users"),
        ({"teams": 0}, "teams"),
        ({"stories": -1}, "stories"),
        ({"fault_rate": 1.5}, "fault_rate"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"rate_limit": (0, 1.0)}, "rate_limit"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Sandbox(**options)


def test_seeding_100000_stories_and_serving_big_pages_is_fast() -> None:
    # CPU time of this process (the server runs in one of its threads): other load on the machine
    # does not count.
    started = time.process_time()
    sandbox = Sandbox(stories=100_000, bugs=10)
    assert time.process_time() - started < 2.5
    with sandbox, httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client:
        params = {"page[size]": 100, "page[number]": 500, "include": "assignee,team,WORKFLOW_STEP"}
        client.get("/stories", params=params).raise_for_status()
        timings = []
        for _ in range(5):
            started = time.process_time()
            doc = client.get("/stories", params=params).raise_for_status().json()
            timings.append(time.process_time() - started)
        assert doc["meta"]["count"] == 100_000 and len(doc["data"]) == 100
        assert sorted(timings)[2] < 0.05


def test_the_command_line_serves_until_interrupted(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "atono.sandbox", "--port", "0", "--stories", "40", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(4)]
        url = banner[0].split()[3]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert API_KEY in banner[1] and OTHER_API_KEY in banner[2]
        response = httpx.get(
            f"{url}/bugs?page[size]=2&include=assignee,team", headers={"X-API-KEY": API_KEY}, timeout=10
        )
        doc = BugCollectionDocument.model_validate(response.json())
        assert len(doc.data) == 2
        assert {r.root.type for r in doc.included or []} == {"user", "team"}
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_the_command_line_can_be_strict_about_the_body_media_type() -> None:
    command = [sys.executable, "-m", "atono.sandbox", "--port", "0", "--stories", "3", "--quiet"]
    process = subprocess.Popen(
        [*command, "--strict-media-type", "application/vnd.api+json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[3]
        bug = {"data": {"type": "bug", "attributes": {"title": "Strict"}}}
        for media_type, status in (("application/json", 415), ("application/vnd.api+json", 201)):
            headers = {"X-API-KEY": API_KEY, "Content-Type": media_type}
            assert httpx.post(f"{url}/bugs", json=bug, headers=headers, timeout=10).status_code == status
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_the_command_line_reports_a_busy_port(shared_sandbox: Sandbox) -> None:
    command = [sys.executable, "-m", "atono.sandbox", "--port", str(shared_sandbox.port), "--stories", "1"]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


def test_the_pytest_fixture_is_registered_and_configurable(tmp_path: Path) -> None:
    tests = tmp_path / "test_with_fixture.py"
    tests.write_text(
        textwrap.dedent(
            """
            import httpx
            import pytest


            def test_default(atono_sandbox):
                r = httpx.get(atono_sandbox.url + "/stories", headers={"X-API-KEY": atono_sandbox.api_key})
                assert r.json()["meta"]["count"] == 250


            @pytest.mark.atono_sandbox(stories=7, seed=3)
            def test_configured(atono_sandbox):
                r = httpx.get(atono_sandbox.url + "/stories", headers={"X-API-KEY": atono_sandbox.api_key})
                assert r.json()["meta"]["count"] == 7
                assert atono_sandbox.seed == 3
            """
        )
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers", str(tests)],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
