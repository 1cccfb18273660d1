"""Accuracy of Zawgyi detection and conversion on the labelled set.

Prints, per category and overall, for the product's per-run strategy and
for two alternatives (whole string, whitespace-separated words):

* detection accuracy: Zawgyi inputs converted + Unicode inputs not;
* conversion exact-match: output == expected Unicode, on Zawgyi inputs;
* false conversions: Unicode inputs that were converted (must be 0);
* changed: Unicode/Latin inputs whose output differs from the input;
* uncertain: inputs kept as typed and flagged;
then a threshold sweep and the speed of normalize_text.

Usage: .venv/bin/python bench/language/accuracy.py [--dataset PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from bench._django import setup_django  # noqa: E402

setup_django()

from safepassage.language import normalize as nz  # noqa: E402

Result = tuple[str, bool, bool]  # text, converted, uncertain


def per_run(text: str) -> Result:
    r = nz.normalize_text_detailed(text)
    return r.text, r.converted, r.uncertain


def whole_string(text: str) -> Result:
    """One decision for the whole string, conversion of the whole string."""
    text = nz._clean(text)
    d = nz._decide(text)
    return nz.unicodedata.normalize("NFC", d.text), d.converted, d.uncertain


def per_word(text: str) -> Result:
    """One decision per whitespace-separated token."""
    text = nz._clean(text)
    out, conv, unc = [], False, False
    for tok in text.split(" "):
        if nz._MYANMAR_CHUNK.search(tok):
            d = nz._decide(tok)
            out.append(d.text)
            conv |= d.converted
            unc |= d.uncertain
        else:
            out.append(tok)
    return nz.unicodedata.normalize("NFC", " ".join(out)), conv, unc


STRATEGIES: dict[str, Callable[[str], Result]] = {
    "per-run (product)": per_run,
    "whole string": whole_string,
    "per word": per_word,
}


def evaluate(rows: list[dict[str, str]], fn: Callable[[str], Result]) -> dict[str, dict[str, int]]:
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        text, converted, uncertain = fn(row["input"])
        for key in (row["category"], "ALL"):
            s = stats[key]
            s["n"] += 1
            s["uncertain"] += uncertain
            if row["label"] == "zawgyi":
                s["zawgyi"] += 1
                s["detected"] += converted
                s["exact"] += text == row["expected"]
                s["wrong"] += converted and text != row["expected"]
            else:
                s["other"] += 1
                s["not_detected"] += not converted
                s["false_conversion"] += converted
                s["changed"] += text != row["input"]
    return stats


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:6.2f}%" if b else "     -"


def report(name: str, stats: dict[str, dict[str, int]]) -> None:
    print(f"\n### {name}\n")
    print(
        "| category | n | detection acc. | Zawgyi exact match | false conv. (Unicode) "
        "| Unicode changed | wrong conversion | uncertain |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for cat in sorted(stats, key=lambda c: (c == "ALL", c)):
        s = stats[cat]
        acc = pct(s["detected"] + s["not_detected"], s["n"])
        print(
            f"| {cat} | {s['n']} | {acc} | {pct(s['exact'], s['zawgyi'])} "
            f"| {s['false_conversion']}/{s['other']} | {s['changed']}/{s['other']} "
            f"| {s['wrong']}/{s['zawgyi']} "
            f"| {pct(s['uncertain'], s['n'])} |"
        )


def sweep(rows: list[dict[str, str]]) -> None:
    print("\n### Threshold sweep (per-run; UNICODE_THRESHOLD fixed)\n")
    print("| CONVERT_THRESHOLD | Zawgyi converted | Zawgyi exact | false conv. | uncertain |")
    print("|---|---|---|---|---|")
    saved = nz.CONVERT_THRESHOLD
    try:
        for t in (0.5, 0.8, 0.9, 0.95, 0.97, 0.99, 0.999):
            nz.CONVERT_THRESHOLD = t
            s = evaluate(rows, per_run)["ALL"]
            print(
                f"| {t} | {pct(s['detected'], s['zawgyi'])} | {pct(s['exact'], s['zawgyi'])} "
                f"| {s['false_conversion']}/{s['other']} | {pct(s['uncertain'], s['n'])} |"
            )
    finally:
        nz.CONVERT_THRESHOLD = saved


def misses(rows: list[dict[str, str]], limit: int) -> None:
    print("\n### First misses (per-run)\n")
    shown = 0
    for row in rows:
        r = nz.normalize_text_detailed(row["input"])
        bad = (r.text != row["expected"]) if row["label"] == "zawgyi" else r.converted
        if bad and shown < limit:
            shown += 1
            print(
                f"- {row['category']}/{row['label']} p={r.zawgyi_probability:.3f} "
                f"unc={r.uncertain}: {row['input']!r} -> {r.text!r} (want {row['expected']!r})"
            )


def speed(rows: list[dict[str, str]]) -> None:
    print("\n### Speed of normalize_text (µs per call, mean over the set)\n")
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        groups[row["label"]].append(row["input"])
    groups["long Unicode (20 sentences)"] = [
        " ".join(
            r["input"] for r in rows if r["category"] == "sentence" and r["label"] == "unicode"
        )[:2000]
    ] * 50
    for label, texts in groups.items():
        reps = max(1, 20000 // len(texts))
        start = time.perf_counter()
        for _ in range(reps):
            for t in texts:
                nz.normalize_text(t)
        us = (time.perf_counter() - start) / (reps * len(texts)) * 1e6
        mean_len = sum(map(len, texts)) / len(texts)
        print(f"- {label}: {us:.1f} µs/call (mean length {mean_len:.0f} chars)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=HERE / "dataset.jsonl")
    parser.add_argument("--misses", type=int, default=15)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.dataset.open(encoding="utf-8")]
    print(
        f"{len(rows)} rows; CONVERT_THRESHOLD={nz.CONVERT_THRESHOLD}, "
        f"UNICODE_THRESHOLD={nz.UNICODE_THRESHOLD}"
    )
    for name, fn in STRATEGIES.items():
        report(name, evaluate(rows, fn))
    sweep(rows)
    misses(rows, args.misses)
    speed(rows)


if __name__ == "__main__":
    main()
