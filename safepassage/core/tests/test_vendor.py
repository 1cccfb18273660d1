"""Third-party front-end code is served by the product, pinned and unaltered."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"
HTMX = STATIC / "vendor" / "htmx"
TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / "templates",
    *Path(settings.BASE_DIR).glob("safepassage/*/templates"),
]


def test_htmx_is_the_pinned_file_with_its_licence() -> None:
    readme = (HTMX / "README.md").read_text()
    pinned = re.search(r"SHA-256: `([0-9a-f]{64})`", readme)
    assert pinned, "the README must name the file's SHA-256"
    assert hashlib.sha256((HTMX / "htmx.min.js").read_bytes()).hexdigest() == pinned.group(1)
    assert "Zero-Clause BSD" in (HTMX / "LICENSE").read_text()


def test_htmx_is_configured_for_the_strict_csp() -> None:
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base)
    assert meta
    config = json.loads(meta.group(1))
    assert config["includeIndicatorStyles"] is False  # would inject an inline <style>
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["selfRequestsOnly"] is True
    assert config["historyCacheSize"] == 0  # no page snapshots in localStorage


def test_no_template_loads_anything_from_elsewhere() -> None:
    offenders = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            text = template.read_text()
            for match in re.finditer(r"(?:src|href|action)=[\"']?(?:https?:)?//", text):
                offenders.append(f"{template}: {text[match.start() : match.start() + 60]}")
    assert offenders == []


def test_every_file_the_stylesheet_names_is_served() -> None:
    """The fonts are cut and renamed now and then; a stale url() would
    leave Burmese text to whatever font the phone has."""
    css = (STATIC / "css" / "safepassage.css").read_text()
    names = re.findall(r'url\("\.\./([^"]+)"\)', css)
    assert names, "the stylesheet names its fonts"
    for name in names:
        assert (STATIC / name).is_file(), name
