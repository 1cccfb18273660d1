"""The case pages, one module per sub-domain: `cases`, `person` (and the
service record), `transfers`, `tasks`. The screening officer's pages are
in `cases.screening.views`; `cases/urls.py` routes to both."""
