"""The access matrix: (URL, arguments) x role x unit -> expected status.

Rows are pages and actions alike: a POST row carries its data (admin
bulk actions name the objects they act on, channel switches their new
state), so that what a role may *do* is walked, not only what it may
open. Every refusal of a signed-in user must also leave an audit event.

Each app adds its rows in `safepassage/<app>/tests/access_rows.py`, which
`load_rows()` imports; tests/test_access_matrix.py runs every row for
every principal. A row says who is allowed; everyone else must get 403
(or a redirect to sign-in or verification). Adding a view means adding a
row -- and tests/test_url_permissions.py fails on any view with no
declared access, so the two together leave no URL untested by design.

Example, in safepassage/cases/tests/access_rows.py:

    from tests.access_matrix import MATRIX, in_own_unit, roles, world_builder
    from safepassage.accounts.roles import Role

    @world_builder
    def cases(world):
        world.objects["case_a"] = CaseFactory(unit=world.units["unit_a"])

    MATRIX.row(
        "cases:detail",
        kwargs=lambda world: {"code": world.objects["case_a"].code},
        allow=in_own_unit("unit_a", Role.UNIT_HANDLER) | roles(Role.SCREENING_OFFICER),
    )
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from safepassage.accounts.roles import Role

UNIT_KEYS = ("hq", "unit_a")


@dataclass(frozen=True)
class Principal:
    """Who makes the request. `role` is None for anonymous."""

    key: str
    role: Role | None = None
    unit: str | None = None
    verified: bool = True

    @property
    def anonymous(self) -> bool:
        return self.role is None


def principals() -> list[Principal]:
    """Anonymous, password-only, and every role in headquarters and in a unit."""
    result = [
        Principal("anonymous"),
        Principal("unverified-administrator@hq", Role.ADMINISTRATOR, "hq", verified=False),
    ]
    for role in Role:
        for unit in UNIT_KEYS:
            result.append(Principal(f"{role.value}@{unit}", role, unit))
    return result


class _LazyObjects(dict[str, Any]):
    """The world's objects, each app's built the first time a row asks for
    one of its keys (`__missing__`), not before: a row of one app does not
    pay for every other app's world. A builder that asks for another
    builder's key builds that one first, the same way.

    Which builder makes which key is learnt once per process, from one
    full build (`_KEY_OWNERS`); a builder that adds no key acts only by its
    side effects and is always run at once.
    """

    def __init__(self, world: World, builders: list[Callable[[World], None]]) -> None:
        super().__init__()
        self._world = world
        self._pending = {id(b): b for b in builders}

    def build(self, builder: Callable[[World], None]) -> None:
        if self._pending.pop(id(builder), None) is not None:
            builder(self._world)

    def build_all(self) -> None:
        for builder in list(self._pending.values()):
            self.build(builder)

    def __missing__(self, key: str) -> Any:
        owner = _KEY_OWNERS.get(key)
        if owner is not None:
            self.build(owner)
        if not dict.__contains__(self, key):
            self.build_all()  # a key no builder was seen to make: build everything
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if not dict.__contains__(self, key) and isinstance(key, str) and key in _KEY_OWNERS:
            self.build(_KEY_OWNERS[key])
        return dict.__contains__(self, key)


#: Key of `World.objects` -> the builder that makes it, learnt by
#: `_learn_key_owners` on the first world of the process.
_KEY_OWNERS: dict[str, Callable[[World], None]] = {}
#: Builders that add no key: run for every world.
_SIDE_EFFECT_BUILDERS: list[Callable[[World], None]] = []
_LEARNT: list[bool] = []


@dataclass
class World:
    """Objects the rows refer to: units and whatever apps' builders add."""

    units: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)


class Allow:
    """A predicate over (principal, world), combinable with `|` and `&`."""

    def __init__(self, test: Callable[[Principal, World], bool], text: str) -> None:
        self.test = test
        self.text = text

    def __call__(self, principal: Principal, world: World) -> bool:
        return not principal.anonymous and self.test(principal, world)

    def __or__(self, other: Allow) -> Allow:
        return Allow(lambda p, w: self(p, w) or other(p, w), f"({self.text} | {other.text})")

    def __and__(self, other: Allow) -> Allow:
        return Allow(lambda p, w: self(p, w) and other(p, w), f"({self.text} & {other.text})")

    def __repr__(self) -> str:
        return self.text


ANY_STAFF = Allow(lambda p, w: True, "any staff")
NOBODY = Allow(lambda p, w: False, "nobody")


def roles(*wanted: Role) -> Allow:
    return Allow(lambda p, w: p.role in wanted, "roles " + ",".join(r.value for r in wanted))


def in_unit(*unit_keys: str) -> Allow:
    return Allow(lambda p, w: p.unit in unit_keys, "unit " + ",".join(unit_keys))


def in_own_unit(unit_key: str, *wanted: Role) -> Allow:
    return roles(*wanted) & in_unit(unit_key)


@dataclass(frozen=True)
class Row:
    url_name: str
    allow: Allow
    kwargs: Mapping[str, Any] | Callable[[World], Mapping[str, Any]] = field(default_factory=dict)
    method: str = "get"
    # The request's data; a callable gets the world (ids of its objects).
    data: Mapping[str, Any] | Callable[[World], Mapping[str, Any]] | None = None
    ok_status: int = 200
    denied_status: int = 403
    # Status for anonymous and for password-only users; None means the
    # usual redirect to sign-in or to verification.
    anonymous: int | None = None
    unverified: int | None = None
    label: str = ""
    # For rows whose refusal differs by principal (a case of another unit
    # answers 404, a user without a case role 403): the status for a
    # verified principal, overriding allow/ok_status/denied_status.
    expect: Callable[[Principal, World], int] | None = None
    # A 404 here is another unit's object, refused (and audited), unless
    # the row says it is plain absence (an alert already resolved).
    not_found_is_refusal: bool = True

    @property
    def id(self) -> str:
        return self.label or f"{self.method.upper()} {self.url_name}"

    def resolve_kwargs(self, world: World) -> Mapping[str, Any]:
        return self.kwargs(world) if callable(self.kwargs) else self.kwargs

    def resolve_data(self, world: World) -> Mapping[str, Any]:
        return (self.data(world) if callable(self.data) else self.data) or {}

    def expected(self, principal: Principal) -> tuple[int, str | None]:
        """(status, redirect target name or None) for this principal."""
        if principal.anonymous:
            return (302, "accounts:login") if self.anonymous is None else (self.anonymous, None)
        if not principal.verified:
            if self.unverified is None:
                return 302, "accounts:verify"
            return self.unverified, None
        if self.expect is not None and _CURRENT_WORLD:
            return self.expect(principal, _CURRENT_WORLD[0]), None
        return (self.ok_status, None) if self._allowed(principal) else (self.denied_status, None)

    def _allowed(self, principal: Principal) -> bool:
        return self.allow(principal, _CURRENT_WORLD[0]) if _CURRENT_WORLD else False


_CURRENT_WORLD: list[World] = []


class AccessMatrix:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.world_builders: list[Callable[[World], None]] = []

    def row(self, url_name: str, *, allow: Allow, **options: Any) -> Row:
        row = Row(url_name=url_name, allow=allow, **options)
        if any(r.id == row.id for r in self.rows):
            raise ValueError(f"duplicate access matrix row {row.id}")
        self.rows.append(row)
        return row

    def build_world(self, units: dict[str, Any], *, eager: bool = False) -> World:
        """A world for one test. Eager (the first world of the process, or
        `eager=True`) runs every builder and learns which makes which key;
        later worlds build an app's objects when a row first asks for them."""
        world = World(units=units)
        if eager or not _LEARNT:
            self._learn_key_owners(world)
        else:
            lazy = _LazyObjects(world, self.world_builders)
            world.objects = lazy
            for builder in _SIDE_EFFECT_BUILDERS:
                lazy.build(builder)
        _CURRENT_WORLD[:] = [world]
        return world

    def _learn_key_owners(self, world: World) -> None:
        _KEY_OWNERS.clear()
        _SIDE_EFFECT_BUILDERS.clear()
        for builder in self.world_builders:
            before = set(world.objects)
            builder(world)
            made = set(world.objects) - before
            for key in made:
                _KEY_OWNERS[key] = builder
            if not made:
                _SIDE_EFFECT_BUILDERS.append(builder)
        _LEARNT[:] = [True]


MATRIX = AccessMatrix()


def world_builder(function: Callable[[World], None]) -> Callable[[World], None]:
    MATRIX.world_builders.append(function)
    return function


# The shared kernel's views (core cannot import accounts, so its rows
# live here rather than in safepassage/core/tests).
MATRIX.row("core:home", allow=ANY_STAFF)


def load_rows() -> AccessMatrix:
    """Import every installed safepassage app's `tests.access_rows`."""
    for config in apps.get_app_configs():
        if not config.name.startswith("safepassage."):
            continue
        module = f"{config.name}.tests.access_rows"
        if importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    return MATRIX
