"""Forms of the armoury pages. They validate shape; the services validate
rules (catalogue maxima, four eyes, schedule versions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.selectors import staff_active_in_unit
from safepassage.ledger.models import PaymentMethod

from .models import AlertStatus, Condition, Kind, RateBasis
from .pricing import CURRENCIES, to_minor
from .services import RateInput

QUANTITY_MAX = 1_000_000


class ItemForm(forms.Form):
    kind = forms.ModelChoiceField(queryset=Kind.objects.none(), label=_("Kind"))
    model_name = forms.CharField(label=_("Model"), max_length=80, required=False)
    calibre = forms.CharField(label=_("Calibre"), max_length=30, required=False)
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=200,
        required=False,
        help_text=_("As marked on the item; Burmese digits and dashes are fine."),
    )
    markings = forms.CharField(
        label=_("Other markings"), max_length=1000, required=False, widget=forms.Textarea
    )
    condition = forms.ChoiceField(label=_("Condition"), choices=Condition.choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=QUANTITY_MAX)
    quantity_unit = forms.ChoiceField(
        label=_("Counted in"),
        choices=[("items", _("items or rounds")), ("boxes", _("full boxes"))],
        initial="items",
    )
    witness = forms.ModelChoiceField(queryset=staff_active_in_unit(None), label=_("Witness"))
    received_at = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    photo = forms.ImageField(label=_("Photo"), required=False)

    def __init__(self, *args: Any, witnesses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        witness_field = self.fields["witness"]
        assert isinstance(kind_field, forms.ModelChoiceField)  # noqa: S101
        assert isinstance(witness_field, forms.ModelChoiceField)  # noqa: S101
        kind_field.queryset = Kind.objects.filter(active=True).order_by("category", "code")
        kind_field.label_from_instance = lambda k: f"{k.name_en} · {k.name_my}"  # type: ignore[method-assign,assignment]
        witness_field.queryset = witnesses

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        quantity = data.get("quantity")
        if kind is not None and quantity is not None and data.get("quantity_unit") == "boxes":
            if not kind.rounds_per_box:
                self.add_error("quantity_unit", _("This kind is not counted in boxes."))
            else:
                data["quantity"] = quantity * kind.rounds_per_box
        return data


class MoveForm(forms.Form):
    target = forms.CharField(max_length=16)
    to_unit = forms.IntegerField(required=False, min_value=1)
    note = forms.CharField(max_length=1000, required=False)


class ReasonForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", "approve"), ("refuse", "refuse"), ("cancel", "cancel")]
    )
    reason = forms.CharField(max_length=1000, required=False)
    expected_version = forms.IntegerField(min_value=0)


class PayForm(forms.Form):
    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices)
    witness = forms.ModelChoiceField(
        queryset=staff_active_in_unit(None), label=_("Witness of the cash"), required=False
    )
    reference = forms.CharField(label=_("Mobile-money reference"), max_length=100, required=False)
    family_member = forms.CharField(
        label=_("Family member who received it"), max_length=200, required=False
    )
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, witnesses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        witness_field = self.fields["witness"]
        assert isinstance(witness_field, forms.ModelChoiceField)  # noqa: S101
        witness_field.queryset = witnesses


class AlertForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (AlertStatus.FRAUD, AlertStatus.FRAUD.label),
            (AlertStatus.MISTAKE, AlertStatus.MISTAKE.label),
        ]
    )


class CountForm(forms.Form):
    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"found_{item.pk}"] = forms.IntegerField(
                min_value=0, max_value=QUANTITY_MAX, initial=item.quantity
            )

    def found(self) -> dict[int, int]:
        return {item.pk: int(self.cleaned_data[f"found_{item.pk}"]) for item in self.items}


def _money(label: Any = None, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=15, decimal_places=2, min_value=Decimal(0), required=required
    )


class ScheduleForm(forms.Form):
    """A whole new version: amounts in major units (kyat), as Decimal."""

    effective_from = forms.DateTimeField(
        label=_("In force from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in CURRENCIES])
    person_cap = _money(_("Cap per person"))
    hq_threshold = _money(_("Headquarters approves above"))

    def __init__(self, *args: Any, kinds: list[Kind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            for condition in Condition.values:
                self.fields[f"rate_{kind.pk}_{condition}"] = _money(required=False)
            if kind.is_ammunition:
                self.fields[f"basis_{kind.pk}"] = forms.ChoiceField(
                    choices=RateBasis.choices, initial=RateBasis.ROUND
                )

    def grid(self) -> list[tuple[Kind, list[Any], Any]]:
        """(kind, its three amount fields, its basis field or None) for the template."""
        return [
            (
                k,
                [self[f"rate_{k.pk}_{c}"] for c in Condition.values],
                self[f"basis_{k.pk}"] if k.is_ammunition else None,
            )
            for k in self.kinds
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        currency = data.get("currency")
        if currency is None:
            return data
        rates: list[RateInput] = []
        try:
            for name in ("person_cap", "hq_threshold"):
                if data.get(name) is not None:
                    data[f"{name}_minor"] = to_minor(data[name], currency)
            for kind in self.kinds:
                basis = data.get(f"basis_{kind.pk}", RateBasis.ITEM)
                for condition in Condition.values:
                    amount = data.get(f"rate_{kind.pk}_{condition}")
                    if amount is not None:
                        rates.append(RateInput(kind, condition, basis, to_minor(amount, currency)))
        except ValueError:
            raise forms.ValidationError(_("Amounts have at most two decimals.")) from None
        data["rates"] = rates
        return data


class ExportForm(forms.Form):
    what = forms.ChoiceField(choices=[("items", "items"), ("claims", "claims")])
    fmt = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])
