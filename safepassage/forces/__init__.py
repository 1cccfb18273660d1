"""The directory of reception units: where each is based, what it covers.

Extends `accounts.Unit` without changing it (`UnitProfile`, one-to-one;
`UnitCoverage`, unit x township). Writes in `services`, reads in
`selectors` (`units_near`). Locations are townships only: a camp's
coordinates are never stored.
"""
