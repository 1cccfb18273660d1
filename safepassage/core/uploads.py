"""Uploads are held in memory only (FILE_UPLOAD_HANDLERS), never written to a
temporary file in clear; a request larger than FILE_UPLOAD_MAX_MEMORY_SIZE
keeps its form fields but loses its files."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def upload_dropped(request: HttpRequest, field: str) -> bool:
    """True if a file was sent under `field` but not kept: too large for memory."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return field not in request.FILES and length > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
