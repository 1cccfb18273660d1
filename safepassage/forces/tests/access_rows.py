"""Access matrix rows for the unit directory admin (see tests/access_matrix.py)."""

from safepassage.accounts.roles import Role
from safepassage.forces.models import UnitProfile
from safepassage.geo.models import Township
from tests.access_matrix import MATRIX, World, in_unit, roles, world_builder


@world_builder
def unit_directory(world: World) -> None:
    world.objects["unit_a_profile"] = UnitProfile.objects.create(
        unit=world.units["unit_a"], base_township=Township.objects.get(pk="MMR013008")
    )
    world.objects["unit_b_profile"] = UnitProfile.objects.create(
        unit=world.units["unit_b"], base_township=Township.objects.get(pk="MMR013008")
    )


MATRIX.row("admin:forces_unitprofile_changelist", allow=roles(Role.ADMINISTRATOR))
# The directory is headquarters': unit A's administrator sees its own
# unit's entry, read-only, and adds none.
MATRIX.row("admin:forces_unitprofile_add", allow=roles(Role.ADMINISTRATOR) & in_unit("hq"))
MATRIX.row(
    "admin:forces_unitprofile_change",
    kwargs=lambda world: {"object_id": world.objects["unit_a_profile"].pk},
    allow=roles(Role.ADMINISTRATOR),
)

MATRIX.row(
    "admin:forces_unitprofile_change",
    kwargs=lambda world: {"object_id": world.objects["unit_a_profile"].pk},
    method="post",
    data=lambda world: {"unit": world.units["unit_a"].pk, "base_township": "MMR013008"},
    allow=roles(Role.ADMINISTRATOR) & in_unit("hq"),
    ok_status=302,
    label="POST admin change unit A's directory entry",
)
MATRIX.row(
    "admin:forces_unitprofile_change",
    kwargs=lambda world: {"object_id": world.objects["unit_b_profile"].pk},
    allow=roles(Role.ADMINISTRATOR) & in_unit("hq"),
    label="GET admin unit B's directory entry",
)
