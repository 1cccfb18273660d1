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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django

LINK_BITS_PER_SECOND = 128_000
MYANMAR = re.compile("[\u1000-\u109f]")
STATIC_REF = re.compile(r"(?:href|src)=\"(/static/[^\"]+)\"")
FONTS = ("fonts/NotoSansMyanmar-Regular.woff2", "fonts/NotoSansMyanmar-Bold.woff2")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def main() -> None:
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
            ("sign-in", reverse("accounts:login"), False),
            ("unit dashboard", reverse("cases:dashboard"), True),
            ("case list (50 rows)", reverse("cases:list"), True),
            ("case detail", reverse("cases:detail", kwargs={"code": code}), True),
            ("person form", reverse("cases:person_edit", kwargs={"code": code}), True),
        ]
        print("| page | language | HTML | first visit | at 128 kbit/s: first visit | later |")
        print("|---|---|---|---|---|---|")
        for language in ("en", "my"):
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
                if MYANMAR.search(text):
                    assets.update(FONTS)
                sizes = [static_size(a) for a in sorted(assets)]
                first = len(html) + sum(z for _, z in sizes)

                def seconds(n: int) -> str:
                    return f"{n * 8 / LINK_BITS_PER_SECOND:.1f} s"

                print(
                    f"| {name} | {language} | {len(html) / 1024:.1f} KiB | {first / 1024:.1f} KiB "
                    f"| {seconds(first)} | {seconds(len(html))} |"
                )
        print()
        for asset in ("css/safepassage.css", "vendor/htmx/htmx.min.js", *FONTS):
            raw, z = static_size(asset)
            print(f"- `{asset}`: {raw / 1024:.1f} KiB, {z / 1024:.1f} KiB compressed")
    finally:
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()
