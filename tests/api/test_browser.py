"""The dashboard end to end: Debian's headless Chromium, driven by Playwright, against the real
server under uvicorn reading the session's smoke experiment.

Needs the built page (``make web``) and ``/usr/bin/chromium`` (``make chromium``); ``make test``
provides both. Screenshots go to ``test-artifacts/browser/``; the start-and-stress one is also
saved as ``docs/dashboard.png`` for the README.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.paths import PROJECT_ROOT
from tests.api.test_server import running_server

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
README_SHOT = PROJECT_ROOT / "docs" / "dashboard.png"
WAIT_MS = 20_000
VIEWPORT = {"width": 1440, "height": 1000}


@pytest.fixture(scope="module")
def base_url(smoke_run: Any) -> Iterator[str]:
    """The real server on the smoke experiment's store, serving the built dashboard."""
    if not (PROJECT_ROOT / "web" / "dist" / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `make web` (make test does)")
    with running_server(smoke_run.tracking_uri) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, launched by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Page:
    """A fresh page on the dashboard that records every request it makes and every page error."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.base_url = base_url
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def step_text(self) -> str:
        return str(self.page.get_by_test_id("market-step").inner_text())

    def wait_step(self, step: int) -> None:
        self.page.wait_for_function(
            "s => document.querySelector('[data-testid=market-step]')?.textContent === s",
            arg=str(step),
        )

    def chart_points(self) -> int:
        return int(self.page.get_by_test_id("price-chart").get_attribute("data-points") or 0)

    def start(self) -> None:
        self.page.goto(self.base_url + "/")
        self.page.get_by_test_id("start-button").click()
        self.wait_step(0)

    def step(self, steps: int) -> None:
        self.page.get_by_label("steps", exact=True).fill(str(steps))
        self.page.get_by_test_id("step-button").click()

    def offsite(self) -> list[str]:
        """Requests to anywhere but the server under test (the page must work offline)."""
        return [u for u in self.requests if not u.startswith((self.base_url, "data:", "blob:"))]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Page]:
    opened = Page(browser, base_url)
    yield opened
    assert opened.errors == [], opened.errors  # the page never crashed
    assert opened.offsite() == []
    opened.close()


def test_start_step_and_run_grow_the_counter_and_the_chart(page: Page) -> None:
    page.start()
    page.page.wait_for_function(
        "() => document.querySelector('[data-testid=price-chart]')?.dataset.points === '1'"
    )
    assert page.page.locator("[data-testid=price-chart] canvas").count() >= 1  # uPlot drew
    page.step(25)
    page.wait_step(25)
    page.page.wait_for_function(
        "() => document.querySelector('[data-testid=price-chart]')?.dataset.points === '26'"
    )
    asks = page.page.get_by_test_id("order-book").locator("tr.ask")
    assert asks.count() >= 1
    page.page.get_by_label("speed").fill("100")
    page.page.get_by_test_id("run-button").click()
    page.page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=market-step]').textContent) >= 60"
    )
    page.page.get_by_test_id("run-button").click()  # pause
    page.page.wait_for_selector("[data-testid=run-button]:has-text('Run')")
    paused_at = int(page.step_text())
    page.page.wait_for_timeout(400)
    assert int(page.step_text()) == paused_at  # paused: no more steps
    assert page.chart_points() == paused_at + 1
    assert page.page.get_by_test_id("trades").locator("tbody tr").count() >= 1
    page.screenshot("start-step-run")


def test_inject_a_flash_crash_and_see_it_in_the_event_log(page: Page) -> None:
    page.start()
    page.step(60)
    page.wait_step(60)
    page.page.get_by_test_id("inject-event-button").click()  # flash_crash, now, default params
    log = page.page.get_by_test_id("event-log")
    row = log.locator("tbody tr", has_text="flash_crash")
    row.wait_for()
    assert "60–65" in row.inner_text() and "active" in row.inner_text()
    page.step(100)
    page.wait_step(160)
    page.page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=event-log] tbody tr')]"
        ".some(r => r.textContent.includes('flash_crash') && r.textContent.includes('over'))"
    )
    page.page.get_by_label("agent type").select_option("noise")
    page.page.get_by_test_id("add-agent-button").click()
    page.page.wait_for_selector("[data-testid=agents-table] [data-agent^=noise_]")
    page.page.evaluate("window.scrollTo(0, 0)")
    page.page.wait_for_timeout(300)  # let the chart draw its last frame
    README_SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(README_SHOT), full_page=True)
    page.screenshot("flash-crash", full_page=True)


NOISE_COUNT_IS = (
    "n => document.querySelector('[data-testid=agents-table] [data-group=noise]')"
    ".querySelectorAll('td')[2].textContent === String(n)"
)


def test_add_and_remove_a_noise_trader(page: Page) -> None:
    page.start()
    table = page.page.get_by_test_id("agents-table")
    table.locator("[data-group=noise]").wait_for()
    # The count comes from the server: right after start the table may still show the previous
    # session's groups until the new session's agents arrive, so wait for the page to agree.
    groups = httpx.get(f"{page.base_url}/agents", timeout=10).json()["groups"]
    count_before = next(g["count"] for g in groups if g["type"] == "noise")
    page.page.wait_for_function(NOISE_COUNT_IS, arg=count_before)
    page.page.get_by_label("agent type").select_option("noise")
    page.page.get_by_label("agent params").fill('{"p_act": 0.5}')
    page.page.get_by_test_id("add-agent-button").click()
    added = table.locator("[data-agent^=noise_]")
    added.wait_for()
    agent_id = added.get_attribute("data-agent")
    assert agent_id and re.fullmatch(r"noise_\d+", agent_id)
    page.page.wait_for_function(NOISE_COUNT_IS, arg=count_before + 1)
    page.step(5)
    page.wait_step(5)
    page.page.get_by_test_id(f"remove-{agent_id}").click()
    table.locator(f"[data-agent='{agent_id}']", has_text="removed").wait_for()
    noise_count = table.locator("[data-group=noise] td").nth(2)
    assert noise_count.inner_text() == f"{count_before} of {count_before + 1}"
    agents = httpx.get(f"{page.base_url}/agents", timeout=10).json()["agents"]
    assert {a["id"]: a["active"] for a in agents}[agent_id] is False
    # A refused add shows the server's detail and the page keeps working.
    page.page.get_by_label("agent params").fill('{"mean_size": -5}')
    page.page.get_by_test_id("add-agent-button").click()
    banner = page.page.get_by_test_id("error")
    banner.wait_for()
    assert "400" in banner.inner_text() and "mean_size" in banner.inner_text()
    page.step(1)
    page.wait_step(6)
    page.screenshot("agents")


def test_open_the_smoke_run_and_read_its_hypothesis_table(page: Page, smoke_run: Any) -> None:
    expected = httpx.get(f"{page.base_url}/runs/{smoke_run.run_id}/hypotheses", timeout=30).json()
    page.page.goto(page.base_url + "/")
    page.page.get_by_role("button", name="Results").click()
    experiments = page.page.get_by_test_id("experiments-list")
    experiments.get_by_role("button", name=smoke_run.experiment_name, exact=True).click()
    run_row = page.page.get_by_test_id("runs-list").locator(f"[data-run='{smoke_run.run_id}']")
    run_row.wait_for()
    assert "FINISHED" in run_row.inner_text()
    run_row.get_by_role("button").click()
    table = page.page.get_by_test_id("hypothesis-table")
    table.locator("tbody tr[data-hypothesis]").first.wait_for()
    rows = table.locator("tbody tr[data-hypothesis]")
    assert rows.count() == len(expected["hypotheses"]) > 0
    for i, result in enumerate(expected["hypotheses"]):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[0] == result["name"]
        assert cells[7] == (result["method"] or "–")
        adjusted = result["reject_adjusted"]
        reject = result["reject"] if adjusted is None else adjusted
        assert cells[6] == ("reject H0" if reject else "not rejected")
    page.page.get_by_test_id("training-curves").locator("canvas").first.wait_for()
    page.screenshot("smoke-run", full_page=True)
    # Trade with the run's trained agents: the live market starts from its checkpoint.
    page.page.get_by_role("button", name="trade with its agents").click()
    page.wait_step(0)
    page.page.get_by_text("trained checkpoint of run").wait_for()
    page.step(5)
    page.wait_step(5)


def test_swagger_ui_works_offline(page: Page) -> None:
    page.page.goto(page.base_url + "/docs")
    page.page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.page.locator(".swagger-ui .opblock").count() >= 20
    page.screenshot("docs")
