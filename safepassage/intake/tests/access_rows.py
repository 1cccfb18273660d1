"""Webhooks in the access matrix: public, and refused to anyone without the
provider's secret or signature, signed in or not."""

from __future__ import annotations

from safepassage.intake.tests.factories import facebook_channel, telegram_channel
from tests.access_matrix import ANY_STAFF, MATRIX, World, world_builder


@world_builder
def _channels(world: World) -> None:
    world.objects["telegram"] = telegram_channel(name="matrix bot")
    world.objects["facebook"] = facebook_channel(name="matrix page")


for name, key in (("intake:telegram_webhook", "telegram"), ("intake:facebook_webhook", "facebook")):
    MATRIX.row(
        name,
        allow=ANY_STAFF,
        kwargs=lambda world, key=key: {"channel_id": world.objects[key].public_id},
        method="post",
        data={"update_id": 1},
        ok_status=403,
        anonymous=403,
        unverified=403,
    )
