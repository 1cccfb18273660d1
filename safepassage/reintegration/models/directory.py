"""The service directory and referrals to it.

Providers are organisations, not users of the product. A provider kept by
headquarters is offered to every unit; one kept by a unit, to that unit.
How to reach a provider can point to a place people go to, so it is
encrypted under its unit's key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel
from safepassage.vault.keys import scope_for_unit

from ..workflow import ReferralStatus


class ProviderKind(models.TextChoices):
    VOCATIONAL = "vocational", _("Vocational training")
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial care")
    LEGAL = "legal", _("Legal aid and documents")
    EDUCATION = "education", _("Education")
    LIVELIHOOD = "livelihood", _("Livelihood grants")
    HOUSING = "housing", _("Housing")


class Provider(VaultedModel):
    vault_unit_paths = ("unit",)

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind of service"), max_length=20, choices=ProviderKind.choices)
    townships = models.JSONField(_("townships served"), default=list, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people at a time)"), null=True, blank=True)
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    how_to_reach = EncryptedTextField(_("how to reach them"), max_length=1000)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["unit", "is_active", "kind"], name="reint_provider_unit")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ProviderKind.values),
                name="reint_provider_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id)


class ShareItem(models.TextChoices):
    """What a referral may carry, item by item, as the person agreed."""

    NAME = "name", _("Name")
    PHONE = "phone", _("How to contact the person")
    NEEDS = "needs", _("What the person needs")
    HEALTH = "health", _("Health information")
    DOCUMENTS = "documents", _("Documents held")


class Referral(VaultedModel):
    """A referral from a plan to a provider. `shared` lists what the
    person agreed to share; `shared_text` is what was passed on, limited
    to those items. The outcome and feedback are entered by the caseworker.
    """

    vault_unit_paths = ("plan__case__unit",)

    plan = models.ForeignKey(
        "reintegration.Plan", on_delete=models.CASCADE, related_name="referrals"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    consent_given = models.BooleanField(_("the person consented to the referral"))
    consented_on = models.DateField(_("consent given on"))
    shared = models.JSONField(_("what the person agreed to share"), default=list)
    shared_text = EncryptedTextField(_("what was passed on"), max_length=2000)
    feedback = EncryptedTextField(_("feedback"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_on = models.DateField()
    decided_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        indexes = [models.Index(fields=["plan", "status"], name="reint_referral_plan")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ReferralStatus.values),
                name="reint_referral_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_given=True), name="reint_referral_consented"
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk}"
