"""The embedded Tantivy index is for one app process: a second `expertnet run` on the same data
directory refuses to start and names the fix, instead of serving stale results."""

import os
import subprocess
import sys

import httpx

from tests.production.conftest import Processes, free_port


def _embedded_env(data_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPERTNET_")}
    env.update({"EXPERTNET_ENV": "development", "EXPERTNET_DATA_DIR": str(data_dir), "EXPERTNET_EMBEDDINGS": "false"})
    return env


def test_a_second_app_process_on_the_embedded_index_refuses_to_start(tmp_path):
    procs = Processes(tmp_path, _embedded_env(tmp_path / "var"))
    try:
        first = procs.app("first")
        second = procs.start("second", "run", "--port", str(free_port()))
        try:
            second.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                "a second app process started on the embedded index:\n" + procs.log("second")
            ) from None
        output = procs.log("second")
        assert second.returncode != 0, output
        assert "already serves the embedded search index" in output, output
        assert "use PostgreSQL + Meilisearch" in output and "EXPERTNET_MEILI_URL" in output, output
        assert str(procs.started[0][1].pid) in output, output  # names the process that holds it
        # Started by uvicorn itself, the app's start-up refuses the same way.
        plain = subprocess.run(
            [sys.executable, "-m", "uvicorn", "expertnet.app:create_app", "--factory", "--port", str(free_port())],
            env=procs.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert plain.returncode != 0 and "use PostgreSQL + Meilisearch" in plain.stderr, plain.stderr
        # The first process goes on serving.
        assert httpx.get(first + "/health", timeout=10).json()["status"] == "ok"
        # The CLI beside the app still works on the same data directory (no app lock taken).
        assert procs.run("search", "experts", "--json").returncode == 0
    finally:
        procs.stop_all()
    # Once the first process has stopped, another one may start on the directory.
    again = Processes(tmp_path / "again", procs.env)
    (tmp_path / "again").mkdir()
    try:
        assert httpx.get(again.app("again") + "/health", timeout=10).status_code == 200
    finally:
        again.stop_all()
