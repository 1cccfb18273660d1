"""Access matrix rows for the unit directory admin (see tests/access_matrix.py)."""

from safepassage.accounts.roles import Role
from safepassage.forces.models import UnitProfile
from safepassage.geo.models import Township
from tests.access_matrix import MATRIX, World, roles, world_builder


@world_builder
def unit_directory(world: World) -> None:
    world.objects["unit_a_profile"] = UnitProfile.objects.create(
        unit=world.units["unit_a"], base_township=Township.objects.get(pk="MMR013008")
    )


MATRIX.row("admin:forces_unitprofile_changelist", allow=roles(Role.ADMINISTRATOR))
MATRIX.row("admin:forces_unitprofile_add", allow=roles(Role.ADMINISTRATOR))
MATRIX.row(
    "admin:forces_unitprofile_change",
    kwargs=lambda world: {"object_id": world.objects["unit_a_profile"].pk},
    allow=roles(Role.ADMINISTRATOR),
)
