"""The web form's "sender": there is nothing to call. Its messages are read
where they are written, when the person resumes at /contact/ (the outbox
settles them as sent when they are queued: `registry`, delivered in place)."""

from __future__ import annotations

from safepassage.intake.channels.base import Job, Outcome


def send_web(api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
    return [Outcome("sent") for _job in batch]
