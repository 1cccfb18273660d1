"""Myanmar states, districts and townships (MIMU place codes), distances.

A platform app: imports only `safepassage.core` and `safepassage.language`.
Reads live in `selectors` (`township_search`, `township_by_pcode`),
distances in `distance` (`distance_km`). The data is loaded by a migration
from `data/` (provenance in `data/README.md`) and never leaves the server.
"""
