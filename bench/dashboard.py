"""How long a dashboard page takes, cold and after a click, on a company of many tasks.

    python bench/dashboard.py [--tasks 1000] [--rounds 5]

Starts the product as a user does (`paperclip up --demo` on free ports, in a home of its own),
gives the demo company `--tasks` more tasks on its simulated agents through the API and waits
until they are done, then drives a headless Chromium (Debian's, through Playwright):

- **cold**: each page opened in a fresh browser context (a new Streamlit session) by its URL;
- **after a click**: from the page before it, a click on the page's link in the sidebar;

each timed until the page's title is shown and Streamlit has finished running its script (the
page's last element rendered), `--rounds` rounds, p50 and the worst. Beside them, the API's answer
to the snapshot a page reads (`GET /api/companies/{id}`), timed from this process in the same
run: the part of a page's time that is the API's.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_overhead import free_port  # noqa: E402
from paperclip import board  # noqa: E402

CHROMIUM = os.environ.get("PAPERCLIP_TEST_CHROMIUM", "/usr/bin/chromium")
COMPANY = "acme"
PAGES = {
    "Overview": "",
    "Org chart": "org_chart",
    "Task board": "task_board",
    "Projects": "projects",
    "Agents": "agents",
    "Costs": "costs",
    "Approvals": "approvals",
    "Activity": "activity",
}
"""The sidebar's link text → the page's path."""
DONE = """([title]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const heading = [...document.querySelectorAll('h1')].some(h => h.innerText.toLowerCase().includes(title));
    return heading && app && app.getAttribute('data-test-script-state') === 'notRunning';
}"""


def up(home: Path) -> tuple[subprocess.Popen, dict[str, int]]:
    ports = {name: free_port() for name in ("TEMPORAL_PORT", "TEMPORAL_UI_PORT", "API_PORT", "UI_PORT")}
    env = {k: v for k, v in os.environ.items() if k not in ("TEMPORAL_ADDRESS", "PAPERCLIP_API_URL")}
    env |= {f"PAPERCLIP_{name}": str(port) for name, port in ports.items()} | {"PAPERCLIP_HOME": str(home)}
    log = home / "up.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "up", "--demo"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 180
    while "Press Ctrl-C" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"paperclip up did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return process, ports


def fill(api: httpx.Client, tasks: int) -> None:
    """`tasks` more tasks for the demo company's agents that take them, all done before timing."""
    listed = api.get(f"/api/companies/{COMPANY}/agents").json()["data"]
    agents = [a["spec"]["name"] for a in listed if a["spec"]["role"] != "ceo"]
    for i in range(tasks):
        body = {"title": f"Backlog item {i + 1}", "assignee": agents[i % len(agents)]}
        api.post(f"/api/companies/{COMPANY}/tasks", json=body).raise_for_status()
    deadline = time.monotonic() + 900
    while True:
        count = {
            status: api.get(
                f"/api/companies/{COMPANY}/tasks", params={"limit": 1} | ({"status": status} if status else {})
            ).json()["total"]
            for status in ("", "done", "failed", "cancelled")
        }
        still = count[""] - count["done"] - count["failed"] - count["cancelled"]
        if still == 0:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{still} tasks still open")
        time.sleep(2)


def timed(page, title: str, action) -> float:
    start = time.perf_counter()
    action()
    page.wait_for_function(DONE, arg=[title.lower()], timeout=120_000)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        process, ports = up(home)
        try:
            headers = {"Authorization": f"Bearer {board.read_token(home)}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{ports['API_PORT']}", headers=headers, timeout=60) as api:
                began = time.perf_counter()
                fill(api, args.tasks)
                total = api.get(f"/api/companies/{COMPANY}/tasks", params={"limit": 1}).json()["total"]
                print(f"{total} tasks in {COMPANY}, all ended ({time.perf_counter() - began:.0f} s to fill)")
                snapshot = []
                for _ in range(20):
                    start = time.perf_counter()
                    api.get(f"/api/companies/{COMPANY}").raise_for_status()
                    snapshot.append(time.perf_counter() - start)
            dashboard = f"http://127.0.0.1:{ports['UI_PORT']}"
            cold: dict[str, list[float]] = {title: [] for title in PAGES}
            click: dict[str, list[float]] = {title: [] for title in PAGES}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                for _ in range(args.rounds):
                    for title, path in PAGES.items():
                        context = browser.new_context(viewport={"width": 1600, "height": 1000})
                        page = context.new_page()
                        url = f"{dashboard}/{path}?company={COMPANY}"
                        cold[title].append(timed(page, title, lambda p=page, u=url: p.goto(u)))
                        context.close()
                    context = browser.new_context(viewport={"width": 1600, "height": 1000})
                    page = context.new_page()
                    page.goto(f"{dashboard}/activity?company={COMPANY}")
                    page.wait_for_function(DONE, arg=["activity"], timeout=120_000)
                    for title in PAGES:
                        link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first
                        click[title].append(timed(page, title, link.click))
                    context.close()
                browser.close()
            print(f"\n{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}; 2 CPUs")
            print(f"{'page':12} {'cold p50':>9} {'worst':>7} {'click p50':>10} {'worst':>7}")
            for title in PAGES:
                print(
                    f"{title:12} {statistics.median(cold[title]):8.2f}s {max(cold[title]):6.2f}s "
                    f"{statistics.median(click[title]):9.2f}s {max(click[title]):6.2f}s"
                )
            print(f"API snapshot GET p50 {statistics.median(snapshot) * 1000:.0f} ms (the floor of a page's reads)")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
