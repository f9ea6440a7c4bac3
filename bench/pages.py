"""Every dashboard page's load time on the demo's data, and (with --screenshots) a picture of each (issue 16 §3, §5).

    .venv/bin/python bench/pages.py [--days 7] [--scale 1] [--runs 3] [--screenshots docs/screenshots]

1. `spyglass demo` on a fresh data directory (its backfill of --days, its faults), until it prints "backfilled";
   then until its jobs have digested the backfill (no job running for five polls of /readyz in a row, at most
   --settle seconds) and the demo's CPU has stayed at most --quiet of a core for a minute: the steady state a
   user opens the dashboard in, not the catch-up.
2. FIGURE: for each page, the median of --runs loads in a fresh headless Chromium tab (Debian's chromium, as the
   browser tests): from navigation to the page's title drawn and Streamlit's script run over (the app root's
   `data-test-script-state` is `notRunning`), which is when every number and chart of the page has been read
   from the API. Then the same pages reached from the menu of an open app (a click on the sidebar link), as a
   user moves between them: the median of --runs rounds.
3. With --screenshots: each page once more, settled, saved as <page>.png (Requests with the costliest trace open,
   Incidents with the newest incident open).
4. CEILING in the same run: the same measure for a bare Streamlit page served beside it, with a title only and
   with 1 and 6 small Plotly charts (`?charts=N`; the Overview draws 6): what Streamlit and Plotly themselves cost
   per page load on this machine, whatever the page reads. Each page's Plotly chart count is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scale import wait_settled  # noqa: E402
from spyglass.service import streamlit_command  # noqa: E402
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, SETTLED  # noqa: E402
from tests.helpers.fleet import wait_for_dashboard  # noqa: E402
from tests.helpers.service_process import free_port  # noqa: E402

# (URL path, title, screenshot file): every page of dashboard/app.py, at the demo's default range.
PAGES = (("", "Overview", "overview"), ("costs", "Costs", "costs"), ("requests?sort=cost", "Requests", "requests"),
         ("models", "Models", "models"), ("quality", "Quality & Drift", "quality"), ("gpus", "GPUs", "gpus"),
         ("releases", "Releases", "releases"), ("alerts", "Alerts", "alerts"), ("incidents", "Incidents", "incidents"),
         ("runbooks", "Runbooks", "runbooks"), ("settings", "Settings", "settings"))
BARE_PAGE = """import plotly.graph_objects as go
import streamlit as st

st.title("Bare")
for i in range(int(st.query_params.get("charts", 0))):
    st.plotly_chart(go.Figure(go.Scatter(x=list(range(100)), y=[(x * 7 + i) % 13 for x in range(100)])), key=i)
"""
CEILINGS = (0, 1, 6)  # Plotly charts on the bare page
CHARTS = ".js-plotly-plot"


def load_seconds(page: Page, url: str, title: str) -> float:
    """Navigation to the title drawn and the page's script run over."""
    began = time.monotonic()
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=60_000)
    expect(page.locator(SETTLED)).to_have_count(1, timeout=60_000)
    return time.monotonic() - began


def menu_times(page: Page, url: str, runs: int) -> dict[str, list[float]]:
    """Each page reached as a user moves around an open app: a click on its sidebar link, to its title drawn and
    its script run over (no new tab: Streamlit switches pages over the open connection, its scripts loaded)."""
    times: dict[str, list[float]] = {title: [] for _, title, _ in PAGES}
    load_seconds(page, url, "Overview")
    order = [title for _, title, _ in PAGES[1:]] + ["Overview"]
    for _ in range(runs):
        for title in order:
            began = time.monotonic()
            page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).click(timeout=60_000)
            expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=60_000)
            expect(page.locator(SETTLED)).to_have_count(1, timeout=60_000)
            times[title].append(time.monotonic() - began)
    page.close()
    return times


def _detail_paths(api: str) -> dict[str, str]:
    """For the screenshots: the costliest trace opened on Requests, the newest incident opened on Incidents."""
    trace = httpx.get(f"{api}/api/v1/traces", params={"sort": "cost", "limit": 1}, timeout=30).json()["rows"]
    incidents = httpx.get(f"{api}/api/v1/incidents", timeout=30).json()["incidents"]
    paths = {}
    if trace:
        paths["requests"] = f"requests?sort=cost&trace={trace[0]['trace_id']}"
    if incidents:
        paths["incidents"] = f"incidents?incident={incidents[0]['id']}"
    return paths


def _screenshot(page: Page, url: str, title: str, path: Path) -> None:
    """A settled picture: the page loaded, then a second for a page that reruns once (its first draw done)."""
    load_seconds(page, url, title)
    page.wait_for_timeout(1500)
    expect(page.locator(SETTLED)).to_have_count(1, timeout=60_000)
    page.screenshot(path=str(path), full_page=True)


def demo_cpu(pid: int) -> float:
    """CPU seconds used so far by the demo and its children (the dashboard, the fleet's senders)."""
    root = psutil.Process(pid)
    total = 0.0
    for process in (root, *root.children(recursive=True)):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


def wait_quiet(pid: int, share: float, timeout: float, window: float = 20, windows: int = 3) -> float:
    """Seconds until the demo used at most `share` of one core in `windows` windows of `window` s in a row: after a
    backfill its jobs build their tables from the whole week and the faults start, busy minutes (with quiet
    moments between the jobs' runs) that are not what a user opening the dashboard later finds."""
    start, quiet = time.monotonic(), 0
    while quiet < windows and time.monotonic() - start < timeout:
        before = demo_cpu(pid)
        time.sleep(window)
        quiet = quiet + 1 if (demo_cpu(pid) - before) / window <= share else 0
    return time.monotonic() - start


def _start_demo(data_dir: Path, args: argparse.Namespace) -> tuple[subprocess.Popen[str], str, str]:
    dashboard = free_port()
    command = [sys.executable, "-m", "spyglass.cli", "demo", "--data-dir", str(data_dir), "--days", str(args.days),
               "--scale", str(args.scale), "--otlp-http-port", str(free_port()), "--otlp-grpc-port",
               str(free_port()), "--api-port", str(free_port()), "--dashboard-port", str(dashboard)]
    # Not in the data directory: `python -m` puts the working directory first on sys.path, and the store's own
    # `store/` folder there would shadow the `store` package.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=data_dir.parent)
    assert process.stdout is not None
    api = ""
    for line in process.stdout:
        print(f"  demo: {line.rstrip()}", flush=True)
        if line.startswith("Spyglass demo is up"):
            api = line.split("API ", 1)[1].split(",", 1)[0].strip()
        if line.startswith("backfilled"):
            break
    else:
        raise SystemExit("the demo stopped before its backfill was done")
    # Keep reading its log, or a full pipe would block the demo's logging (and every job that logs).
    threading.Thread(target=lambda: [None for _ in process.stdout or ()], daemon=True).start()
    url = f"http://127.0.0.1:{dashboard}"
    wait_for_dashboard(url, timeout=60)
    return process, url, api


def _start_bare(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    script = directory / "bare.py"
    script.write_text(BARE_PAGE)
    port = free_port()
    process = subprocess.Popen(streamlit_command(script, "127.0.0.1", port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=directory)
    url = f"http://127.0.0.1:{port}"
    wait_for_dashboard(url, timeout=60)
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshots", type=Path, help="save each page here (make screenshots: docs/screenshots)")
    parser.add_argument("--settle", type=float, default=600, help="at most this long for the jobs to settle (s)")
    parser.add_argument("--quiet", type=float, default=0.5,
                        help="then until the demo uses at most this share of one core (three 20 s windows in a row)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spyglass-pages-") as tmp:
        demo, url, api = _start_demo(Path(tmp) / "data", args)
        print(f"jobs settled {wait_settled(api, args.settle):.0f} s after the backfill", flush=True)
        print(f"the demo at most {args.quiet:.0%} of a core after {wait_quiet(demo.pid, args.quiet, args.settle):.0f} s"
              " more", flush=True)
        cpu_before, timed_from = demo_cpu(demo.pid), time.monotonic()
        bare, bare_url = _start_bare(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                view = {"viewport": {"width": 1400, "height": 1000}}
                times, floors = {}, {}
                for n in CEILINGS:
                    runs = []
                    for _ in range(args.runs):
                        page = browser.new_page(**view)
                        runs.append(load_seconds(page, f"{bare_url}/?charts={n}", "Bare"))
                        expect(page.locator(CHARTS)).to_have_count(n)
                        page.close()
                    floors[n] = statistics.median(runs)
                    print(f"bare, {n} charts: {floors[n]:.2f} s (median of {args.runs}: "
                          f"{', '.join(f'{r:.2f}' for r in runs)})", flush=True)
                for path, title, name in PAGES:
                    runs, charts = [], 0
                    for _ in range(args.runs):
                        page = browser.new_page(**view)
                        runs.append(load_seconds(page, f"{url}/{path}", title))
                        charts = page.locator(CHARTS).count()
                        page.close()
                    if args.screenshots:
                        args.screenshots.mkdir(parents=True, exist_ok=True)
                        page = browser.new_page(**view)
                        shown = _detail_paths(api).get(name, path)
                        _screenshot(page, f"{url}/{shown}", title, args.screenshots / f"{name}.png")
                        page.close()
                    times[title] = statistics.median(runs)
                    print(f"{title:>16}: {times[title]:.2f} s, {charts} charts (median of {args.runs}: "
                          f"{', '.join(f'{r:.2f}' for r in runs)})", flush=True)
                menu = menu_times(browser.new_page(**view), url, args.runs)
                browser.close()
            demo_share = (demo_cpu(demo.pid) - cpu_before) / (time.monotonic() - timed_from)
        finally:
            for process in (bare, demo):
                process.terminate()
                process.wait(60)
    slowest = max(times, key=times.__getitem__)
    print("\nFrom the menu (the app open in its tab, a sidebar link clicked):")
    for title, runs in menu.items():
        print(f"{title:>16}: {statistics.median(runs):.2f} s (median of {len(runs)}: "
              f"{', '.join(f'{r:.2f}' for r in runs)})")
    by_menu = {title: statistics.median(runs) for title, runs in menu.items()}
    slowest_menu = max(by_menu, key=by_menu.__getitem__)
    print(f"\nFIGURE: opened in a new tab, slowest page {slowest} {times[slowest]:.2f} s, "
          f"{sum(t <= 2 for t in times.values())} of {len(times)} pages within 2 s; from the menu, slowest "
          f"{slowest_menu} {by_menu[slowest_menu]:.2f} s, {sum(t <= 2 for t in by_menu.values())} of {len(by_menu)} "
          f"within 2 s\nCEILING: a bare Streamlit page loads in a new tab in "
          f"{', '.join(f'{floors[n]:.2f} s with {n} Plotly charts' for n in CEILINGS)} on this machine "
          f"(load average {os.getloadavg()[0]:.1f}); the demo itself (service, dashboard, fleet) used "
          f"{demo_share:.0%} of one core while the pages were timed (the browser's load included)")


if __name__ == "__main__":
    main()
