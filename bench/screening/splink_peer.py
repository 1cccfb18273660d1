"""The peer: Splink 5 on DuckDB, de-duplicating the same CSV.

Install the peers first (not part of `make install`)::

    .venv/bin/uv sync --inexact --group bench

Usage::

    .venv/bin/python bench/screening/splink_peer.py INPUT.csv --output OUT.csv

Set-up a Splink user would write without this project's Burmese keys:
Latin names lower-cased, common honorifics dropped, letters only; Myanmar
digits read as ASCII in dates, NRCs and phones; dates in the usual
day-first, ISO and written-month forms read to ISO (others compared as
typed); phones to their last nine digits; NRCs to state and number (the
township part is in Latin or Burmese letters, which a user without a
township table cannot match); cells that say they are empty ("N/A",
"-", "nil", "unknown", "မရှိ" in Unicode or Zawgyi: the list `dedupe_csv`
reads as empty) made NULL, as any careful user would (without it, every
row with "unknown" for a father and "-" for a date falls into one
prediction block and the run does not finish). Comparisons: Jaro-Winkler on name and
father's name, Levenshtein on the date text, exact NRC, phone, township and
Burmese name; term-frequency adjustment on the name (namesakes). Model: u
by random sampling, m by EM on two blocking rules, prediction on five
blocking rules, clusters at match probability 0.9 (the threshold Splink's
own examples use).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from safepassage.screening.records import PLACEHOLDERS  # noqa: E402

HONORIFICS = r"^((u|daw|ko|ma|maung|mg|saw|naw|sai|nang)\s+)+"
MM_DIGITS = "၀၁၂၃၄၅၆၇၈၉"
#: Zawgyi spellings of the Burmese placeholders (the product converts first).
ZAWGYI_PLACEHOLDERS = ("မရွိ", "မရိွ", "မရွိပါ", "မရိွပါ")


def _placeholder_macro(con: duckdb.DuckDBPyConnection) -> None:
    """blank(x): NULL for an empty cell or a placeholder, else x."""
    spelled = ", ".join(
        "'" + p.replace("'", "''") + "'" for p in sorted({*PLACEHOLDERS, *ZAWGYI_PLACEHOLDERS})
    )
    con.sql(
        "CREATE OR REPLACE MACRO blank(x) AS CASE WHEN "
        f"lower(trim(trim(trim(coalesce(x, '')), '.'))) IN ('', {spelled}) THEN NULL ELSE x END"
    )


def prepare(con: duckdb.DuckDBPyConnection, path: str) -> duckdb.DuckDBPyRelation:
    digits = f"'{MM_DIGITS}', '0123456789'"
    _placeholder_macro(con)
    # A benchmark reading its own file: no untrusted text in the SQL.
    return con.sql(
        f"""
        WITH raw AS (
            SELECT id, blank(name) AS name, blank(name_my) AS name_my,
                blank(father_name) AS father_name, blank(township) AS township,
                trim(translate(coalesce(blank(date_of_birth), ''), {digits})) AS dob,
                trim(translate(coalesce(blank(nrc), ''), {digits})) AS nrc,
                translate(coalesce(blank(phone), ''), {digits}) AS phone
            FROM read_csv('{path}', all_varchar = true, header = true)
        )
        SELECT
            id AS unique_id,
            nullif(regexp_replace(regexp_replace(lower(coalesce(name, '')), '{HONORIFICS}', ''),
                   '[^a-z]', '', 'g'), '') AS name_clean,
            nullif(name_my, '') AS name_my,
            nullif(regexp_replace(regexp_replace(lower(coalesce(father_name, '')),
                   '{HONORIFICS}', ''), '[^a-z]', '', 'g'), '') AS father_clean,
            coalesce(
                strftime(try_strptime(dob, ['%Y-%m-%d', '%d/%m/%Y', '%d-%m-%Y', '%d %b %Y']),
                         '%Y-%m-%d'),
                nullif(dob, '')
            ) AS dob_clean,
            nullif(regexp_extract(dob, '(19|20)[0-9][0-9]', 0), '') AS dob_year,
            CASE WHEN regexp_matches(nrc, '^[0-9]{{1,2}}[^0-9].*[^0-9][0-9]{{6}}$')
                THEN regexp_extract(nrc, '^[0-9]{{1,2}}', 0) || ':' || right(nrc, 6)
            END AS nrc_clean,
            nullif(right(regexp_replace(phone, '[^0-9]', '', 'g'), 9), '') AS phone_clean,
            nullif(lower(township), '') AS township_clean
        FROM raw
        """  # noqa: S608
    )


def run(path: str, output: str, threshold: float = 0.9) -> dict[str, float]:
    db_api = DuckDBAPI()
    con = db_api.duckdb_con
    started = time.perf_counter()
    table = db_api.register(prepare(con, path))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name_clean", [0.95, 0.88]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("name_my"),
            cl.JaroWinklerAtThresholds("father_clean", [0.95, 0.88]),
            cl.LevenshteinAtThresholds("dob_clean", [1, 2]),
            cl.ExactMatch("nrc_clean"),
            cl.ExactMatch("phone_clean"),
            cl.ExactMatch("township_clean"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("phone_clean"),
            block_on("nrc_clean"),
            block_on("name_clean", "dob_year"),
            block_on("father_clean", "dob_clean"),
            block_on("name_clean", "township_clean"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nrc_clean"), block_on("phone_clean")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_clean", "dob_year")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone_clean"))
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    table_name = clusters.physical_name
    con.execute(
        f"COPY (SELECT unique_id AS id, cluster_id AS cluster FROM {table_name}) "  # noqa: S608
        f"TO '{output}' (HEADER, DELIMITER ',')"
    )
    done = time.perf_counter()
    return {"train_s": trained - started, "total_s": done - started}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("--output", required=True)
    parser.add_argument("--threshold", type=float, default=0.9)
    args = parser.parse_args()
    times = run(args.input, args.output, args.threshold)
    print(f"splink: train {times['train_s']:.1f}s, total {times['total_s']:.1f}s")


if __name__ == "__main__":
    main()
