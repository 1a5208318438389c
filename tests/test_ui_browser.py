"""The Dagster UI in a real browser: `dagster dev` with the project's code location, driven by
Debian's headless Chromium through Playwright (never a downloaded browser).

Starts the webserver and daemon on a free 127.0.0.1 port with a temporary DAGSTER_HOME and
warehouse, opens every study's results asset in the catalogue, opens the job of Paper A and
clicks "Materialize all", waits for the run to succeed (GraphQL), checks the published warehouse
holds Paper A's results and a materialisation carries its row count, and saves screenshots to
test-artifacts/ui/ (git-ignored): asset_results_<last study>.png, catalogue.png, job_build_paper_a.png,
run_success.png.
The server's process group is killed at the end, also on failure.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STUDY = "paper_a"
JOB = f"build_{STUDY}"
SERVER_START_SECONDS = 300  # loading the code location imports dagster-dbt and reads the manifest
RUN_SECONDS = 600  # Paper A's upstream: loader, generator, dbt build of its models and tests, estimators


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def graphql(base: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    assert "errors" not in payload, payload
    return payload["data"]


def loaded_location(base: str) -> str | None:
    data = graphql(base, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                         "locationOrLoadError { __typename ... on PythonError { message } } } } } }")
    for entry in data["workspaceOrError"]["locationEntries"]:
        if entry["loadStatus"] == "LOADED":
            outcome = entry["locationOrLoadError"]
            assert outcome["__typename"] == "RepositoryLocation", f"code location failed to load: {outcome}"
            return entry["name"]
    return None


def runs_of(base: str, job: str) -> list[dict]:
    data = graphql(base, "query($job: String!) { runsOrError(filter: {pipelineName: $job}) "
                         "{ ... on Runs { results { runId status } } } }", {"job": job})
    return data["runsOrError"]["results"]


@pytest.fixture
def dagster_ui(tmp_path):
    """A running `dagster dev` (webserver + daemon) on its own port, home and warehouse."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make system` (apt-get install chromium chromium-driver "
                    "fonts-noto-cjk) and run the test again")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    warehouse = tmp_path / "warehouse" / "nqp.duckdb"
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "NQP_WAREHOUSE": str(warehouse),
        "NQP_REPORTS": str(tmp_path / "reports"),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
    }
    log = open(tmp_path / "dagster_dev.log", "w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster"), "dev", "-m", "orchestration.definitions",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        location = None
        while location is None:
            assert server.poll() is None, "dagster dev exited:\n" + (tmp_path / "dagster_dev.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "code location not loaded in time:\n" + (
                tmp_path / "dagster_dev.log").read_text()[-4000:]
            try:
                location = loaded_location(base)
            except OSError:  # webserver not listening yet
                pass
            if location is None:
                time.sleep(2)
        yield {"base": base, "location": location, "warehouse": warehouse, "log": tmp_path / "dagster_dev.log"}
    finally:
        # the whole group: dagster dev, webserver, daemon, code server, the run worker. dagster dev
        # rarely exits on SIGTERM (or SIGINT) within 30 s, and what it would save is only this test's
        # temporary folder: a short grace, then SIGKILL
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 10)):
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


def test_ui_lists_the_studies_and_materialises_one(dagster_ui):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from models_py.declarations import load_manifest, study_declarations

    studies = study_declarations(load_manifest())
    assert any(study.study == STUDY for study in studies)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, location = dagster_ui["base"], dagster_ui["location"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(120_000)

            def skip_welcome():
                # first visit of a fresh DAGSTER_HOME: the "Join the Dagster community" dialog
                skip = page.get_by_role("button", name="Skip")
                if skip.count() and skip.first.is_visible():
                    skip.first.click()

            def click(button):
                """Click, dismissing the community dialog if it pops up over the button meanwhile."""
                for _ in range(12):
                    skip_welcome()
                    try:
                        button.click(timeout=10_000)
                        return
                    except PlaywrightTimeout:
                        continue
                raise AssertionError(f"could not click {button}")

            # every study's results asset has its catalogue page, in the study's group, reading its panel
            for study in studies:
                page.goto(f"{base}/assets/results/{study.study}")
                page.get_by_text(study.title_en).first.wait_for()
                skip_welcome()
                body = page.inner_text("body")
                assert study.relation in body, f"results/{study.study}: description without {study.relation}"
                assert study.study in body
            page.screenshot(path=str(ARTIFACTS / f"asset_results_{studies[-1].study}.png"))
            # the catalogue lists the assets (first screen of it)
            page.goto(f"{base}/assets")
            page.get_by_text("Asset name").first.wait_for()
            page.get_by_text("intermediate / ").first.wait_for()
            page.screenshot(path=str(ARTIFACTS / "catalogue.png"))

            # Paper A's job: its graph, then "Materialize all"
            page.goto(f"{base}/locations/{location}/jobs/{JOB}")
            materialize = page.get_by_role("button", name="Materialize all")
            materialize.wait_for()
            skip_welcome()
            page.wait_for_timeout(2000)  # the graph lays out before the button is enabled
            page.screenshot(path=str(ARTIFACTS / f"job_{JOB}.png"))
            assert runs_of(base, JOB) == []
            click(materialize)
            # On a fresh warehouse the UI asks first: publish also depends on the other studies'
            # assets, which this job does not build ("Are you sure? … upstream assets … not materialized").
            confirm = page.get_by_role("button", name="Confirm")
            try:
                confirm.wait_for(timeout=15_000)
            except PlaywrightTimeout:  # nothing to confirm: the run was launched directly
                pass
            else:
                click(confirm)

            deadline = time.monotonic() + 60
            while not runs_of(base, JOB):
                assert time.monotonic() < deadline, "clicking Materialize all launched no run"
                time.sleep(1)
            run_id = runs_of(base, JOB)[0]["runId"]

            deadline = time.monotonic() + RUN_SECONDS
            while (status := next(r["status"] for r in runs_of(base, JOB) if r["runId"] == run_id)) not in (
                "SUCCESS", "FAILURE", "CANCELED"
            ):
                assert time.monotonic() < deadline, f"run {run_id} still {status} after {RUN_SECONDS}s"
                time.sleep(3)
            page.goto(f"{base}/runs/{run_id}")
            page.get_by_text("RUN_SUCCESS" if status == "SUCCESS" else "RUN_FAILURE").first.wait_for()
            page.screenshot(path=str(ARTIFACTS / "run_success.png"))
            assert status == "SUCCESS", f"run {run_id} ended {status}; see {ARTIFACTS / 'run_success.png'}"
        finally:
            browser.close()

    # what the run wrote: Paper A's tables, published; no other study's
    with duckdb.connect(str(dagster_ui["warehouse"]), read_only=True) as connection:
        studies_written = {row[0] for row in connection.execute(
            "select distinct study from results.regression_coefficients").fetchall()}
        run_ids = {row[0] for row in connection.execute(
            "select distinct run_id from results.regression_coefficients").fetchall()}
    assert studies_written == {STUDY}
    assert run_ids == {run_id}

    # the panel's materialisation carries its row count, as the catalogue shows it
    data = graphql(base, "query($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset { "
                         "assetMaterializations(limit: 1) { runId metadataEntries { label "
                         "... on IntMetadataEntry { intValue } } } } } }",
                   {"key": {"path": ["main", f"panel_{STUDY}"]}})
    materialization = data["assetOrError"]["assetMaterializations"][0]
    row_count = {e["label"]: e.get("intValue") for e in materialization["metadataEntries"]}["dagster/row_count"]
    with duckdb.connect(str(dagster_ui["warehouse"]), read_only=True) as connection:
        assert row_count == connection.execute(f"select count(*) from panel_{STUDY}").fetchone()[0]
