"""Roles are declared in code and created by migration 0002."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from safepassage.accounts.models import Unit, UnitKind
from safepassage.accounts.roles import ROLE_MODEL_PERMISSIONS, Role

pytestmark = pytest.mark.django_db

migration = importlib.import_module("safepassage.accounts.migrations.0002_roles")


def test_every_role_has_a_group() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_the_migration_agrees_with_the_code() -> None:
    assert Role.values == migration.ROLES
    assert {
        str(role): list(perms) for role, perms in ROLE_MODEL_PERMISSIONS.items()
    } == migration.ROLE_MODEL_PERMISSIONS


def test_administrator_group_holds_its_model_permissions() -> None:
    group = Group.objects.get(name=Role.ADMINISTRATOR)
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert held == set(ROLE_MODEL_PERMISSIONS[Role.ADMINISTRATOR])
    assert not Group.objects.get(name=Role.ANALYST).permissions.exists()


def test_every_role_and_unit_kind_has_a_label() -> None:
    for role in Role:
        assert str(role.label)
        assert str(role.label) != role.value
    for kind in UnitKind:
        assert str(kind.label)


def test_headquarters_flag_and_kind_agree_in_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="Bad", kind=UnitKind.PDF_BATTALION, is_headquarters=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="Bad2", kind=UnitKind.HEADQUARTERS, is_headquarters=False)
