"""Page weight: what a staff member's phone downloads for each page.

    .venv/bin/python bench/pages/weight.py

Renders the main pages through the whole stack (test settings, a
throw-away database, one invented case), in English and in Burmese, and
adds up the HTML and the static files each page references (stylesheet,
htmx, and the Myanmar fonts when the page holds Myanmar text: the
@font-face rules' unicode-range makes the browser fetch them only then).
HTML is sent uncompressed (no GZipMiddleware: compressing pages that
carry secrets and reflected input invites BREACH-style attacks); static
files are counted gzip-compressed (level 6, as the reverse proxy sends
them; woff2 is compressed already). "First visit" counts the HTML and
every static file; "later" the HTML only, static files being cached.
Times are for a 128 kbit/s link (a weak 2G/EDGE connection), ignoring
latency.
"""

from __future__ import annotations

import gzip
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django

LINK_BITS_PER_SECOND = 128_000
STATIC_REF = re.compile(r"(?:href|src)=\"(/static/[^\"]+)\"")
# Each font file and the characters that make a browser fetch it (the
# @font-face rules' unicode-range in static/css/safepassage.css).
FONTS = {
    "fonts/NotoSansMyanmar-Regular-Myanmar.woff2": re.compile("[\u1000-\u109f\u200b-\u200d\u25cc]"),
    "fonts/NotoSansMyanmar-Regular-Extended.woff2": re.compile("[\ua9e0-\ua9ff\uaa60-\uaa7f]"),
}


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def chromium_timings(pages, client_cookies, *, language: str) -> dict[str, tuple[int, float]]:
    """Load each page in Debian's Chromium through a link throttled to 128
    kbit/s down, 64 kbit/s up and 150 ms of latency (DevTools network
    emulation), with an empty cache: the bytes received and the time to the
    load event, fonts included (the test waits for `document.fonts.ready`)."""
    import os

    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    results: dict[str, tuple[int, float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("SAFEPASSAGE_CHROMIUM", "/usr/bin/chromium")
            )
            for name, url, signed_in in pages:
                context = browser.new_context()
                cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
                if signed_in:
                    cookies += [
                        {"name": k, "value": v, "url": base} for k, v in client_cookies.items()
                    ]
                context.add_cookies(cookies)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": 150,
                        "downloadThroughput": 128_000 / 8,
                        "uploadThroughput": 64_000 / 8,
                    },
                )
                received = 0

                def count(event: dict) -> None:
                    nonlocal received
                    received += int(event.get("encodedDataLength", 0))

                cdp.on("Network.loadingFinished", count)
                started = time.perf_counter()
                response = page.goto(base + url, wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                elapsed = time.perf_counter() - started
                if response is None or response.status != 200:
                    raise SystemExit(f"{url} answered {response and response.status} in Chromium")
                results[name] = (received, elapsed)
                context.close()
            browser.close()
    finally:
        server.terminate()
    return results


def main() -> None:
    in_chromium = "--chromium" in sys.argv
    setup_django()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.test import Client
    from django.urls import reverse

    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import UnitFactory, UserFactory, sign_in
    from safepassage.cases.tests.factories import case_create, person_create, phone_add
    from safepassage.vault import keyring

    db_name = create_test_database()
    try:
        keyring.keyring_create("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        keyring.unlock("benchmark passphrase", path=settings.VAULT_KEYRING_PATH)
        unit = UnitFactory()
        user = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
        cases = [case_create(unit=unit, summary="Invented case for the page-weight bench.")]
        cases += [case_create(unit=unit) for _ in range(49)]
        person = person_create(cases[0])
        phone_add(person, "+959420000123")
        code = cases[0].code

        def static_size(path: str) -> tuple[int, int]:
            found = finders.find(path)
            if not found:
                raise SystemExit(f"static file not found: {path}")
            data = Path(found).read_bytes()
            return len(data), (len(data) if path.endswith(".woff2") else gz(data))

        pages = [
            ("contact form", reverse("contact:start"), False),
            ("sign-in", reverse("accounts:login"), False),
            ("unit dashboard", reverse("cases:dashboard"), True),
            ("case list (50 rows)", reverse("cases:list"), True),
            ("case detail", reverse("cases:detail", kwargs={"code": code}), True),
            ("person form", reverse("cases:person_edit", kwargs={"code": code}), True),
        ]
        print("| page | language | HTML | first visit | at 128 kbit/s: first visit | later |")
        print("|---|---|---|---|---|---|")
        signed = Client()
        sign_in(signed, user)
        session_cookies = {k: m.value for k, m in signed.cookies.items()}
        for language in ("en", "my"):
            measured = (
                chromium_timings(pages, session_cookies, language=language) if in_chromium else {}
            )
            for name, url, signed_in in pages:
                client = Client()
                client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                if signed_in:
                    sign_in(client, user)
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
                html = response.content
                text = html.decode()
                assets = {ref.removeprefix(settings.STATIC_URL) for ref in STATIC_REF.findall(text)}
                assets.update(font for font, chars in FONTS.items() if chars.search(text))
                sizes = [static_size(a) for a in sorted(assets)]
                first = len(html) + sum(z for _, z in sizes)

                def seconds(n: int) -> str:
                    return f"{n * 8 / LINK_BITS_PER_SECOND:.1f} s"

                print(
                    f"| {name} | {language} | {len(html) / 1024:.1f} KiB | {first / 1024:.1f} KiB "
                    f"| {seconds(first)} | {seconds(len(html))} |"
                )
                if name in measured:
                    got, took = measured[name]
                    print(
                        f"|   in Chromium, throttled | {language} | | {got / 1024:.1f} KiB "
                        f"received | {took:.1f} s to load, fonts ready | |"
                    )
        print()
        for asset in ("css/safepassage.css", "vendor/htmx/htmx.min.js", *FONTS):
            raw, z = static_size(asset)
            print(f"- `{asset}`: {raw / 1024:.1f} KiB, {z / 1024:.1f} KiB compressed")
    finally:
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()
