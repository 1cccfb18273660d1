"""The catalogue headquarters keeps: dimensions, plan templates, stipend
rules. Data, not code: seeded by migration 0002 and changed in the admin.
Nothing here is about a person, so nothing here is encrypted.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..workflow import StepKind


class Bilingual(models.Model):
    """A record named in Burmese and English; `name` is the one for the
    active language (English when the Burmese is missing)."""

    name_en = models.CharField(_("name in English"), max_length=200)
    name_my = models.CharField(_("name in Burmese"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        if (translation.get_language() or "").startswith("my") and self.name_my:
            return self.name_my
        return self.name_en


class Dimension(Bilingual):
    """One of the plan's dimensions (ARN's eight, to start with)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("plan dimension")
        verbose_name_plural = _("plan dimensions")
        ordering = ["order", "code"]


class PlanTemplate(Bilingual):
    """A starting plan for a kind of person: its goals and their steps."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description_en = models.TextField(_("description in English"), blank=True)
    description_my = models.TextField(_("description in Burmese"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("plan template")
        verbose_name_plural = _("plan templates")
        ordering = ["name_en"]


class TemplateGoal(models.Model):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="goals")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    title_en = models.CharField(_("goal in English"), max_length=300)
    title_my = models.CharField(_("goal in Burmese"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("template goal")
        verbose_name_plural = _("template goals")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title_en


class TemplateStep(models.Model):
    """A default activity or milestone of a template goal, due
    `offset_days` after the plan starts (never before: the plan refuses
    a step due before its start)."""

    goal = models.ForeignKey(TemplateGoal, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices)
    title_en = models.CharField(_("step in English"), max_length=300)
    title_my = models.CharField(_("step in Burmese"), max_length=300, blank=True)
    offset_days = models.PositiveIntegerField(_("due, days after the start"), default=30)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=StepKind.values),
                name="reint_tstep_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title_en


class StipendRule(Bilingual):
    """A condition for the monthly stipend: attendance of at least
    `min_attendance_percent` of the activities agreed for the month.
    A plan copies the rule's threshold when it opens (the agreed terms do
    not move when headquarters later changes the rule)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    min_attendance_percent = models.PositiveSmallIntegerField(_("minimum attendance (%)"))
    is_default = models.BooleanField(_("default for new plans"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stipend rule")
        verbose_name_plural = _("stipend rules")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_attendance_percent__lte=100),
                name="reint_stipend_rule_percent",
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="reint_stipend_rule_one_default",
            ),
        ]
