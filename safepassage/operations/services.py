"""Operator actions of this app that change state: the panic.

`vault_panic_trigger` records the panic in the audit chain first when
this process holds the keys already (the web control), then destroys the
key ring (vault.keyring.panic). It never unlocks to audit: that would
cost an Argon2id derivation (about a second) before the panic. The record
never blocks the destruction: a panic that could not be audited (the
command, a database down) still happens, and is logged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from safepassage.audit.services import audit_record
from safepassage.vault import keyring
from safepassage.vault.exceptions import VaultLocked

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PanicReport:
    audited: bool
    files_destroyed: int
    seconds: float


def vault_panic_trigger(
    *, actor: Any, origin: str, request: HttpRequest | None = None
) -> PanicReport:
    """Destroy this machine's key ring and every process's keys. Never raises
    for a failed audit record; raises OSError only if the marker cannot be written."""
    started = time.monotonic()
    audited = False
    try:
        if not keyring.is_unlocked():
            raise VaultLocked()
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="vault.panic",
                unit=getattr(actor, "unit_id", None),
                details={"origin": origin},
                request=request,
            )
        audited = True
    except Exception as exc:  # a panic never waits for the audit chain
        logger.error("vault: the panic could not be audited [%s]", type(exc).__name__)
    destroyed = keyring.panic()
    logger.warning("vault: PANIC (%s): the key ring of this machine was destroyed", origin)
    return PanicReport(
        audited=audited, files_destroyed=len(destroyed), seconds=time.monotonic() - started
    )
