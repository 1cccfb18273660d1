"""The screening officer's work on cases: decisions, proposed duplicates,
cross-unit details requests, and the in-memory index of every registered
person that feeds the matching engine (`safepassage.screening`, which
never decrypts and knows no case).

Builds on the case core (`cases.models`, `cases.services`,
`cases.selectors`, `cases.policies`); the core never imports this package
(an import contract in `pyproject.toml` says so).

- `index`: the index of registered people (built here, or asked of the
  server through `client`); `server` and `snapshot`: the
  `screening_server` process and its encrypted snapshot.
- `services`, `selectors`, `forms`, `views`, `urls`: the screening panel,
  decisions, duplicates and details requests.
"""
