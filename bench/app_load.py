"""The app (SPEC §6.6) on a rural 3G connection: its first load and the time until the farmer's
harvest form is usable, and the bytes it costs (targets: ≤ 5 s and ≤ 150 KB).

Run from the project root::

    .venv/bin/python -m bench.app_load [--repeat 5] [--chromium /usr/bin/chromium]

``cashew serve`` (one worker) on a fresh SQLite file with the demo loaded; Playwright drives
Chromium (Debian's, by ``executable_path``) with its network throttled through the DevTools
protocol (``Network.emulateNetworkConditions``: 400 kbit/s down and up, 400 ms latency). Each
run is a fresh browser context (empty cache, no service worker):

- **first visit**: ``/app/`` to its ``load`` event; then the demo farmer's key pasted and
  "Đăng nhập" pressed, until the harvest form's quantity field is visible (``/parties/me`` and
  ``/farms`` answered): *load ms*, *sign-in to form ms*, and their sum (typing not counted);
- **second visit** (same context, the service worker installed): ``/app/`` again until the
  harvest form is visible (the key is kept on the device).

Bytes are the sum of ``encodedDataLength`` of the page's ``Network.loadingFinished`` events
(headers and bodies as they crossed the wire). The service worker's own fetches (its precache
of the shell, after the first load) are counted apart from Playwright's response events: the
DevTools throttling of the page does not apply to them. Results in ``bench/results/app_load.json``.
"""

import argparse
import os
import shutil
import subprocess
import time
from typing import Any

from bench.harness import BIN, ROOT, Server, command_line, machine, now, options, run, save, scratch, stats_ms

KEY = "ck_demo_farmer_hung"
KBIT = 1000 / 8  # bytes per second in one kbit/s
PROFILE = {"offline": False, "latency": 400, "downloadThroughput": 400 * KBIT, "uploadThroughput": 400 * KBIT}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
FORM = "input[name=quantity_kg]"


class Wire:
    """Bytes the page received, from the DevTools protocol."""

    def __init__(self, cdp: Any) -> None:
        self.bytes = 0
        self.requests = 0
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict[str, Any]) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))
        self.requests += 1

    def take(self) -> tuple[int, int]:
        seen = self.bytes, self.requests
        self.bytes = self.requests = 0
        return seen


def one_run(browser: Any, url: str) -> dict[str, Any]:
    context = browser.new_context(viewport=PHONE, locale="vi-VN", service_workers="allow")
    worker_bytes = [0]

    def by_worker(response: Any) -> None:
        if response.request.service_worker is not None:
            sizes = response.request.sizes()
            worker_bytes[0] += sizes["responseHeadersSize"] + sizes["responseBodySize"]

    context.on("response", by_worker)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", PROFILE)
    wire = Wire(cdp)

    t = now()
    page.goto(f"{url}/app/", wait_until="load")
    load_ms = (now() - t) * 1e3
    page.get_by_label("Khoá API").fill(KEY)
    t = now()
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator(FORM).wait_for(state="visible")
    form_ms = (now() - t) * 1e3
    first_bytes, first_requests = wire.take()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_timeout(500)  # the precache's last answers
    wire.take()
    precache = worker_bytes[0]

    t = now()
    page.goto(f"{url}/app/", wait_until="load")
    again_load_ms = (now() - t) * 1e3
    page.locator(FORM).wait_for(state="visible")
    again_ms = (now() - t) * 1e3
    again_bytes, again_requests = wire.take()
    context.close()
    return {
        "first": {
            "load_ms": load_ms,
            "signin_to_form_ms": form_ms,
            "usable_ms": load_ms + form_ms,
            "bytes": first_bytes,
            "requests": first_requests,
            "worker_precache_bytes": precache,
        },
        "second": {"load_ms": again_load_ms, "usable_ms": again_ms, "bytes": again_bytes, "requests": again_requests},
    }


def drive(args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    repeat = 1 if args.quick else args.repeat
    started = time.time()
    with scratch("app-load") as folder:
        env = {
            "CASHEW_DATABASE_URL": f"sqlite:///{folder}/cashew.db",
            "CASHEW_LOG_KEY_FILE": str(folder / "log.key"),
        }
        for step in (["db", "upgrade"], ["seed", "demo"]):
            subprocess.run(
                [str(BIN / "cashew"), *step], env={**os.environ, **env}, cwd=ROOT, check=True, capture_output=True
            )
        with Server.cashew(env=env, workers=1, log=folder / "server.log") as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=FLAGS)
            runs = []
            for n in range(repeat):
                runs.append(one_run(browser, server.url))
                print(f"  run {n + 1}/{repeat}: {runs[-1]['first']['usable_ms']:.0f} ms", flush=True)
            browser.close()
    results = {
        "command": command_line(),
        "machine": machine("playwright"),
        "chromium": subprocess.run([args.chromium, "--version"], capture_output=True, text=True).stdout.strip(),
        "profile": PROFILE,
        "repeat": repeat,
        "runs": runs,
        "first": {
            k: stats_ms([r["first"][k] / 1e3 for r in runs]) for k in ("load_ms", "signin_to_form_ms", "usable_ms")
        },
        "second": {k: stats_ms([r["second"][k] / 1e3 for r in runs]) for k in ("load_ms", "usable_ms")},
    }
    save(results, args.json, report, started)


def report(r: dict[str, Any]) -> str:
    first, second = r["runs"][-1]["first"], r["runs"][-1]["second"]
    f, s = r["first"], r["second"]
    return "\n".join(
        [
            f"The app at 400 kbit/s, 400 ms RTT, {r['repeat']} fresh contexts (median; target ≤ 5 s, ≤ 150 KB)",
            "",
            "| visit | to `load` | to a usable harvest form | bytes on the wire | requests |",
            "|---|--:|--:|--:|--:|",
            f"| first (fresh cache) | {f['load_ms']['median_ms']:,.0f} ms | {f['usable_ms']['median_ms']:,.0f} ms "
            f"({f['signin_to_form_ms']['median_ms']:,.0f} ms after sign-in) | {first['bytes'] / 1000:,.1f} KB | "
            f"{first['requests']} |",
            f"| second (service worker) | {s['load_ms']['median_ms']:,.0f} ms | {s['usable_ms']['median_ms']:,.0f} ms "
            f"| {second['bytes'] / 1000:,.1f} KB | {second['requests']} |",
            "",
            f"The service worker's precache after the first load: {first['worker_precache_bytes'] / 1000:,.1f} KB "
            "(not throttled by the page's emulation); bytes and requests: the last run.",
        ]
    )


def parser() -> argparse.ArgumentParser:
    ap = options("app_load", __doc__)
    ap.add_argument("--repeat", type=int, default=5, help="fresh browser contexts (default 5; --quick 1)")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium", help="Chromium to drive")
    return ap


if __name__ == "__main__":
    run(parser(), drive, {})
