"""The programme's money: an append-only double-entry ledger in minor units.

Invariants:
- amounts are integers of minor units (kyat have none: 1 MMK = 1 unit);
  each account holds one currency and every transaction one currency;
- the entries of a transaction sum to zero (enforced by
  `services.transaction_post`, re-checked by `manage.py ledger_verify`);
- `Transaction` and `Entry` rows are never updated or deleted
  through the ORM (save of an existing row, `update()` and `delete()`
  raise); a correction is a reversing transaction;
- each transaction carries a MAC chained like the audit chain, over its
  columns and its entries; each entry its own MAC, so that the command
  names the row that was edited or removed;
- `AccountBalance` holds each account's running balance, updated under
  a row lock in the transaction that posts the entries.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel
from safepassage.vault.keys import scope_for_unit

CURRENCY_RE = r"^[A-Z]{3}$"
DEFAULT_CURRENCY = "MMK"


class AppendOnlyError(Exception):
    """Ledger rows are never changed: post a reversing transaction instead."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Ledger rows are append-only: post a reversing transaction.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Ledger rows are append-only: post a reversing transaction.")


class AppendOnlyModel(models.Model):
    objects: ClassVar[models.Manager[Any]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Ledger rows are append-only: post a reversing transaction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Ledger rows are append-only: post a reversing transaction.")


class AccountKind(models.TextChoices):
    FUNDING = "funding", _("Funding received")
    BUDGET = "budget", _("Programme budget")
    UNIT_FLOAT = "unit_float", _("Unit cash float")
    CASE_PAYABLE = "case_payable", _("Owed to a case")
    PAID_OUT = "paid_out", _("Paid out")


GLOBAL_KINDS = (AccountKind.FUNDING, AccountKind.BUDGET, AccountKind.PAID_OUT)


class Account(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AccountKind.values), name="ledger_account_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=CURRENCY_RE), name="ledger_account_currency"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=AccountKind.UNIT_FLOAT, unit__isnull=False, case__isnull=True)
                    | models.Q(kind=AccountKind.CASE_PAYABLE, case__isnull=False)
                    | models.Q(kind__in=GLOBAL_KINDS, unit__isnull=True, case__isnull=True)
                ),
                name="ledger_account_owner_fits_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=models.Q(kind__in=GLOBAL_KINDS),
                name="ledger_account_one_global",
            ),
            models.UniqueConstraint(
                fields=["kind", "unit", "currency"],
                condition=models.Q(kind=AccountKind.UNIT_FLOAT),
                name="ledger_account_one_float",
            ),
            models.UniqueConstraint(
                fields=["kind", "case", "currency"],
                condition=models.Q(kind=AccountKind.CASE_PAYABLE),
                name="ledger_account_one_payable",
            ),
        ]

    def __str__(self) -> str:
        owner = f" unit {self.unit_id}" if self.unit_id else ""
        owner += f" case {self.case_id}" if self.case_id else ""
        return f"{self.kind}{owner} {self.currency}"


class AccountBalance(models.Model):
    """The running balance of one account: read in O(1)."""

    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, primary_key=True, related_name="balance_row"
    )
    balance_minor = models.BigIntegerField(default=0)
    entry_count = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"balance of account {self.account_id}"


class LedgerChainState(models.Model):
    """The chain's head (sequence, MAC, next key), sealed; one row, pk=1."""

    sealed = models.BinaryField(null=True)
    updated_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return "ledger chain state"


class Transaction(AppendOnlyModel):
    sequence = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    currency = models.CharField(max_length=3)
    memo = models.CharField(_("memo"), max_length=200)
    source_kind = models.CharField(max_length=50)
    source_id = models.BigIntegerField()
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger transaction")
        indexes = [models.Index(fields=["source_kind", "source_id"], name="ledger_txn_source")]

    def __str__(self) -> str:
        return f"transaction #{self.sequence}"


class Entry(AppendOnlyModel):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_minor = models.BigIntegerField()
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger entry")
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount_minor=0), name="ledger_entry_not_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk}"


class PaymentMethod(models.TextChoices):
    CASH_WITH_WITNESS = "cash_with_witness", _("Cash, with a witness")
    MOBILE_MONEY = "mobile_money", _("Mobile money")
    FAMILY_MEMBER = "family_member", _("Paid to a family member")


class Payment(VaultedModel):
    """Money handed over for one business object (a claim, a stipend month).

    One payment per (source_kind, source_id), by a unique constraint.
    The mobile-money reference and the family member are encrypted under
    the paying unit.
    """

    vault_unit_paths = ("unit",)

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reference = EncryptedTextField(_("mobile-money reference"), max_length=100)
    family_member = EncryptedTextField(_("family member (name, relation)"), max_length=200)
    source_kind = models.CharField(max_length=50)
    source_id = models.BigIntegerField()
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="payment"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("payment")
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="ledger_payment_once_per_source"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="ledger_payment_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=PaymentMethod.values),
                name="ledger_payment_method_known",
            ),
        ]
        indexes = [models.Index(fields=["unit", "created_at"], name="ledger_payment_unit_time")]

    def __str__(self) -> str:
        return f"payment {self.pk}"

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id)


class FloatReconciliation(VaultedModel):
    """A unit's monthly count of its cash float against the books.

    The difference is recorded, never corrected here: a correction is a
    separate, reasoned ledger transaction."""

    vault_unit_paths = ("unit",)

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    currency = models.CharField(max_length=3)
    counted_minor = models.BigIntegerField(_("counted"))
    book_minor = models.BigIntegerField(_("in the books"))
    difference_minor = models.BigIntegerField(_("difference"))
    note = EncryptedTextField(_("note"), max_length=1000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("float reconciliation")
        indexes = [models.Index(fields=["unit", "month"], name="ledger_recon_unit_month")]

    def __str__(self) -> str:
        return f"reconciliation {self.pk}"

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id)


class BudgetPurpose(models.TextChoices):
    REWARDS = "reward", _("Rewards")
    STIPENDS = "stipend", _("Stipends")


class MonthlyBudget(models.Model):
    """What headquarters plans to pay in one month, for one purpose and
    currency: the figure the reports set payments against. Kept by
    headquarters' finance staff (`services.budget_set`, audited with the
    amount it replaces); no person in it, so it is kept in clear.

    `month` is the first day of the month. The budget is the programme's
    as a whole: units are not given budgets of their own.
    """

    month = models.DateField(_("month"))
    purpose = models.CharField(_("purpose"), max_length=10, choices=BudgetPurpose.choices)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    amount_minor = models.BigIntegerField(_("budget"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = _("monthly budget")
        ordering = ["month", "purpose", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "purpose", "currency"], name="ledger_budget_once_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0), name="ledger_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=BudgetPurpose.values),
                name="ledger_budget_purpose_known",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=CURRENCY_RE), name="ledger_budget_currency"
            ),
        ]

    def __str__(self) -> str:
        return f"budget {self.purpose} {self.month:%Y-%m} {self.currency}"
