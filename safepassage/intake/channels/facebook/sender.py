"""Messenger's sender: the Send API over httpx (text with quick replies).
Messenger offers no call to delete a person's messages: an erase is never
queued for it (`registry`: not erasable)."""

from __future__ import annotations

from typing import Any

import httpx

from safepassage.intake.channels.base import Job, Outcome
from safepassage.language import text_cut

GRAPH_VERSION = "v21.0"
#: Messenger's limit for a quick reply's title.
QUICK_REPLY_TITLE = 20


def facebook_message(job: Job) -> dict[str, Any]:
    """Text with quick replies (at most 13, titles of at most 20 characters)."""
    message: dict[str, Any] = {"text": job.text}
    if job.buttons:
        message["quick_replies"] = [
            {
                "content_type": "text",
                "title": text_cut(label, QUICK_REPLY_TITLE),
                "payload": payload,
            }
            for payload, label in job.buttons[:13]
        ]
    return message


def send_facebook(api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with httpx.Client(timeout=httpx.Timeout(15, connect=5)) as client:
        for job in batch:
            if job.erase:  # never queued: Messenger cannot delete a person's messages
                outcomes.append(Outcome("failed", reason="unsupported"))
                continue
            try:
                response = client.post(
                    f"{api_url}/{GRAPH_VERSION}/me/messages",
                    params={"access_token": token},
                    json={
                        "recipient": {"id": job.address},
                        "messaging_type": "RESPONSE",
                        "message": facebook_message(job),
                    },
                )
            except (httpx.ConnectError, httpx.ConnectTimeout):
                outcomes.append(Outcome("retry", reason="network"))
                continue
            except httpx.HTTPError:
                outcomes.append(Outcome("uncertain", reason="timed_out"))
                continue
            if response.status_code == 200:
                try:
                    mid = str(response.json().get("message_id", ""))
                except ValueError:
                    mid = ""
                outcomes.append(Outcome("sent", provider_message_id=mid))
            elif response.status_code == 429 or response.status_code >= 500:
                outcomes.append(Outcome("retry", reason=f"http_{response.status_code}"))
            else:
                outcomes.append(Outcome("failed", reason=f"http_{response.status_code}"))
    return outcomes
