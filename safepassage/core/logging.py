"""Logging and error reporting that never carry personal data.

Personal data lives only inside encrypted fields, but it passes through
request bodies, query strings, form errors and local variables on its way
there. Those are exactly what log records and exception reports like to
include, so both are cut down here to what an operator needs: what broke
and where.
"""

from __future__ import annotations

import logging
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

_REDACTED = "[redacted]"


class ScrubPersonalDataFilter(logging.Filter):
    """Drop request objects and arguments that can carry user input.

    A log call in this code base passes identifiers (ids, case codes,
    action names) as arguments; Django's own request logging passes the
    request and the path with its query string. Query strings and
    exception values can carry user input, so they are replaced.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        if record.exc_info and record.exc_info[1] is not None:
            exc_type = record.exc_info[0]
            name = exc_type.__name__ if exc_type else "Exception"
            record.msg = f"{record.getMessage().split('?', 1)[0]} [{name}]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        elif record.name.startswith("django") and "?" in (message := record.getMessage()):
            # The "?" may be in the arguments, not in the format: runserver
            # logs '"%s" %s %s' with the request line as an argument.
            record.msg = message.split("?", 1)[0]
            record.args = ()
        return True


class NothingPersonalReporterFilter(SafeExceptionReporterFilter):
    """Exception reports with no POST data, no locals, no settings values."""

    def get_post_parameters(self, request: Any) -> dict[str, str]:
        if request is None:
            return {}
        return dict.fromkeys(request.POST, _REDACTED)

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return dict.fromkeys(tb_frame.f_locals, _REDACTED).items()

    def get_safe_settings(self) -> dict[str, str]:
        return {}
