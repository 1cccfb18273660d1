"""Lock-out after repeated sign-in failures (django-axes), with two limits.

AXES_LOCKOUT_PARAMETERS is ["username", "ip_address"]: failures are
counted per username (from any address) and per address (for any
username). Staff at headquarters share one address, so the address limit
(SAFEPASSAGE_LOCKOUT_IP_FAILURES) is higher than the username limit
(AXES_FAILURE_LIMIT). django-axes has a single limit, so this handler
scales each parameter's count to it.

Failures of the password and of the second factor both count; a
successful *second* factor clears the username's count (see views), so
that knowing the password never buys more code guesses.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


def _limit_for(parameter: str | list[str], base_limit: int) -> int:
    if parameter == "ip_address" or parameter == ["ip_address"]:
        return max(
            base_limit, int(getattr(settings, "SAFEPASSAGE_LOCKOUT_IP_FAILURES", base_limit))
        )
    return base_limit


class TieredLimitDatabaseHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The worst count among the parameters, scaled to AXES_FAILURE_LIMIT."""
        base_limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, count * base_limit // _limit_for(parameter, base_limit))
        return worst


def client_ip_address(request: Any) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address, behind N trusted proxies.

    With SAFEPASSAGE_TRUSTED_PROXY_COUNT = N > 0, the N-th address from the
    right of X-Forwarded-For is the one the outermost trusted proxy saw;
    anything left of it was written by the client and is ignored.
    """
    remote: str | None = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "SAFEPASSAGE_TRUSTED_PROXY_COUNT", 0))
    if count <= 0:
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    if len(hops) < count:
        return remote
    return hops[-count][:64]
