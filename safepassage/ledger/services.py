"""Writes to the ledger: the only path by which money moves.

Every service is keyword-only, atomic and audited in its transaction.
Every posting takes the chain-state row lock first (it serialises the
ledger's appends and gives the next sequence number), then the balance
rows of the accounts it touches in id order: one lock order, no deadlock.

Accounts and what moves between them (all amounts positive here):

- `budget_fund`:      funding -X, budget +X
- `unit_float_fund`:  budget -X, unit float +X      (cash sent to the unit)
- `payable_record`:   budget -X, case payable +X    (an approved claim earmarked)
- `payment_make`:     case payable -X, budget +X, unit float -X, paid out +X
  (the unit pays cash from its float; the earmark returns to the budget,
  which had already sent that cash to the float)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.transaction import atomic as _atomic
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.audit.services import audit_record
from safepassage.vault import api as vault

from . import chain, policies
from .models import (
    CURRENCY_RE,
    DEFAULT_CURRENCY,
    Account,
    AccountBalance,
    AccountKind,
    BudgetPurpose,
    Entry,
    FloatReconciliation,
    LedgerChainState,
    MonthlyBudget,
    Payment,
    PaymentMethod,
    Transaction,
)

__all__ = [
    "LedgerCorrupt",
    "LedgerRefused",
    "account_for",
    "budget_fund",
    "budget_set",
    "float_reconcile",
    "payable_cancel",
    "payable_record",
    "payment_make",
    "transaction_post",
    "transaction_reverse",
    "unit_float_fund",
]

STATE_CONTEXT = "ledger/chain-state"
ANCHOR_SECRET_NAME = "audit-anchor"  # noqa: S105 - a name, not a secret
ANCHOR_PURPOSE = "ledger-chain-v1"
#: 10^15 minor units: a thousand trillion kyat, far beyond any real amount,
#: and exact in a double and in an audit detail.
MAX_MINOR = 10**15
SOURCE_KIND_RE = re.compile(r"[a-z][a-z0-9_]{0,24}(\.[a-z][a-z0-9_]{0,24})?", re.ASCII)
MAX_MEMO = 200
SYSTEM_SOURCE_ID = 0


class LedgerRefused(ValidationError):
    """A posting the ledger refuses, with a message for the person who asked."""


class LedgerCorrupt(Exception):
    """The chain state does not open: run `manage.py ledger_verify`."""


# --- validation -------------------------------------------------------------


def _amount(value: object, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LedgerRefused(
            _("Amounts are whole numbers of minor units, not %(kind)s.")
            % {"kind": type(value).__name__}
        )
    if value == 0:
        raise LedgerRefused(_("An amount of zero moves nothing."))
    if positive and value < 0:
        raise LedgerRefused(_("The amount must be positive."))
    if abs(value) > MAX_MINOR:
        raise LedgerRefused(_("The amount is too large."))
    return int(value)


def _currency(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(CURRENCY_RE, value):
        raise LedgerRefused(_("A currency is a three-letter code such as MMK."))
    return value


def _source(kind: object, source_id: object) -> tuple[str, int]:
    if not isinstance(kind, str) or not SOURCE_KIND_RE.fullmatch(kind):
        raise LedgerRefused(_("The source kind is an identifier such as 'armoury.claim'."))
    if isinstance(source_id, bool) or not isinstance(source_id, int) or source_id < 0:
        raise LedgerRefused(_("The source id is a whole number."))
    if source_id > 2**53:
        raise LedgerRefused(_("The source id is too large."))
    return kind, int(source_id)


def _memo(value: object) -> str:
    if not isinstance(value, str):
        raise LedgerRefused(_("The memo is text."))
    text = " ".join(value.split())
    if not text:
        raise LedgerRefused(_("Write a memo (what this is for; never a name)."))
    if len(text) > MAX_MEMO:
        raise LedgerRefused(_("The memo is too long (at most 200 characters)."))
    return text


def _user_or_none(actor: Any) -> Any:
    if actor is None:
        return None
    if isinstance(actor, get_user_model()) and actor.pk is not None:
        return actor
    raise TypeError("A ledger actor is a saved user or None (the system).")


# --- the chain --------------------------------------------------------------


def anchor_key() -> bytes:
    return vault.derive_key(ANCHOR_SECRET_NAME, ANCHOR_PURPOSE)


def _locked_state() -> LedgerChainState:
    state = LedgerChainState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        LedgerChainState.objects.get_or_create(pk=1)
        state = LedgerChainState.objects.select_for_update().get(pk=1)
    return state


def read_head(state: LedgerChainState, anchor: bytes) -> chain.ChainHead | None:
    if state.sealed is None:
        return None
    try:
        raw = vault.unseal(bytes(state.sealed), context=STATE_CONTEXT)
        return chain.ChainHead.from_bytes(raw)
    except (vault.DecryptionError, ValueError):
        raise LedgerCorrupt(
            "The ledger chain state does not open: run `manage.py ledger_verify`."
        ) from None


# --- accounts ---------------------------------------------------------------


@transaction.atomic
def account_for(
    *,
    kind: str,
    currency: str = DEFAULT_CURRENCY,
    unit: Any = None,
    case: Any = None,
) -> Account:
    """The account of that kind, currency and owner; opened on first use."""
    if kind not in AccountKind.values:
        raise LedgerRefused(_("Unknown account kind."))
    currency = _currency(currency)
    if kind == AccountKind.UNIT_FLOAT:
        if unit is None or case is not None:
            raise LedgerRefused(_("A unit's float belongs to a unit."))
    elif kind == AccountKind.CASE_PAYABLE:
        if case is None or unit is not None:
            raise LedgerRefused(_("A payable belongs to a case."))
    elif unit is not None or case is not None:
        raise LedgerRefused(_("This account belongs to the programme, not to a unit or case."))
    lookup: dict[str, Any] = {"kind": kind, "currency": currency}
    if kind == AccountKind.UNIT_FLOAT:
        lookup["unit"] = unit
    elif kind == AccountKind.CASE_PAYABLE:
        lookup["case"] = case
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            account = Account.objects.create(**lookup)
            AccountBalance.objects.create(account=account)
    except IntegrityError:
        # Another request opened it first.
        return Account.objects.get(**lookup)
    audit_record(
        actor=None,
        action="ledger.account_opened",
        target=account,
        unit=unit.pk if unit is not None else (case.unit_id if case is not None else None),
        details={"kind": kind, "currency": currency},
    )
    return account


def _balance_rows(account_ids: Sequence[int]) -> dict[int, AccountBalance]:
    rows = AccountBalance.objects.select_for_update().filter(account_id__in=account_ids)
    found = {row.account_id: row for row in rows.order_by("account_id")}
    for account_id in account_ids:
        if account_id not in found:
            AccountBalance.objects.get_or_create(account_id=account_id)
            found[account_id] = AccountBalance.objects.select_for_update().get(
                account_id=account_id
            )
    return found


# --- transactions -----------------------------------------------------------


def _post(
    *,
    actor: Any,
    lines: Sequence[tuple[Account, int]],
    memo: str,
    source_kind: str,
    source_id: int,
    reverses: Transaction | None = None,
) -> Transaction:
    actor = _user_or_none(actor)
    memo = _memo(memo)
    source_kind, source_id = _source(source_kind, source_id)
    if isinstance(lines, str | bytes) or not isinstance(lines, Sequence):
        raise LedgerRefused(_("A transaction is a list of (account, amount) lines."))
    checked: list[tuple[Account, int]] = []
    for line in lines:
        if not isinstance(line, tuple | list) or len(line) != 2:
            raise LedgerRefused(_("Each line is an (account, amount) pair."))
        account, amount = line
        if not isinstance(account, Account) or account.pk is None:
            raise LedgerRefused(_("Each line names a saved ledger account."))
        checked.append((account, _amount(amount)))
    if len(checked) < 2:
        raise LedgerRefused(_("A transaction has at least two lines."))
    currencies = {account.currency for account, _amt in checked}
    if len(currencies) != 1:
        raise LedgerRefused(_("A transaction moves one currency only."))
    if sum(amount for _acc, amount in checked) != 0:
        raise LedgerRefused(_("The lines do not balance: debits and credits must sum to zero."))
    (currency,) = currencies

    anchor = anchor_key()
    state = _locked_state()
    head = read_head(state, anchor)
    if head is None:
        if Transaction.objects.exists():
            raise LedgerCorrupt(
                "Ledger transactions exist but the chain state is empty: "
                "run `manage.py ledger_verify`."
            )
        head = chain.ChainHead.genesis(anchor)
    balances = _balance_rows(sorted({account.pk for account, _amt in checked}))
    now = timezone.now()
    sequence = head.sequence + 1
    facts = chain.TransactionFacts(
        sequence=sequence,
        created_at=now,
        actor_id=actor.pk if actor is not None else None,
        currency=currency,
        memo=memo,
        source_kind=source_kind,
        source_id=source_id,
        reverses_id=reverses.pk if reverses is not None else None,
    )
    entry_facts = [chain.EntryFacts(account.pk, amount) for account, amount in checked]
    txn = Transaction(
        sequence=sequence,
        created_at=now,
        actor=actor,
        currency=currency,
        memo=memo,
        source_kind=source_kind,
        source_id=source_id,
        reverses=reverses,
        mac=chain.transaction_mac(head.key, facts, entry_facts, head.mac),
    )
    txn.save()
    Entry.objects.bulk_create(
        Entry(
            transaction=txn,
            account=account,
            amount_minor=amount,
            mac=chain.entry_mac(head.key, sequence, index, entry_facts[index]),
        )
        for index, (account, amount) in enumerate(checked)
    )
    for account, amount in checked:
        row = balances[account.pk]
        row.balance_minor += amount
        row.entry_count += 1
    for row in balances.values():
        row.save(update_fields=["balance_minor", "entry_count", "updated_at"])
    new_head = head.advanced(txn.mac)
    LedgerChainState.objects.filter(pk=1).update(
        sealed=vault.seal(new_head.to_bytes(), context=STATE_CONTEXT), updated_at=now
    )
    audit_record(
        actor=actor,
        action="ledger.posted",
        target=txn,
        details={
            "sequence": sequence,
            "source_kind": source_kind,
            "source_id": source_id,
            "currency": currency,
            "moved_minor": sum(amount for _acc, amount in checked if amount > 0),
            "reverses": reverses.sequence if reverses is not None else None,
        },
    )
    return txn


@transaction.atomic
def transaction_post(
    *,
    actor: Any,
    lines: Sequence[tuple[Account, int]],
    memo: str,
    source_kind: str,
    source_id: int,
) -> Transaction:
    """Post a balanced transaction. Refuses unbalanced, zero, mixed-currency
    and non-integer lines with LedgerRefused."""
    return _post(actor=actor, lines=lines, memo=memo, source_kind=source_kind, source_id=source_id)


@transaction.atomic
def transaction_reverse(*, actor: Any, transaction: Transaction, reason: str) -> Transaction:
    """Post the mirror image of `transaction`: the only correction there is."""
    _locked_state()
    pk = getattr(transaction, "pk", None)
    original = Transaction.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if original is None:
        raise LedgerRefused(_("No such ledger transaction."))
    if original.reverses_id is not None:
        raise LedgerRefused(_("A reversal is not reversed: post the original again."))
    if Transaction.objects.filter(reverses=original).exists():
        raise LedgerRefused(_("This transaction has already been reversed."))
    if not isinstance(reason, str) or not reason.strip():
        raise LedgerRefused(_("Give the reason for the reversal."))
    lines = [
        (entry.account, -entry.amount_minor)
        for entry in original.entries.select_related("account").order_by("id")
    ]
    memo = f"Reversal of #{original.sequence}: {' '.join(reason.split())}"[:MAX_MEMO]
    try:
        with _savepoint():
            return _post(
                actor=actor,
                lines=lines,
                memo=memo,
                source_kind=original.source_kind,
                source_id=original.source_id,
                reverses=original,
            )
    except IntegrityError:
        raise LedgerRefused(_("This transaction has already been reversed.")) from None


def _savepoint() -> Any:
    # `transaction` is a parameter of transaction_reverse, hiding the module.
    return _atomic()


# --- money movements ----------------------------------------------------------


@transaction.atomic
def budget_fund(*, actor: Any, amount_minor: int, currency: str) -> Transaction:
    """Money received by the programme enters its budget (headquarters only)."""
    policies.check_headquarters_money(actor)
    amount = _amount(amount_minor, positive=True)
    funding = account_for(kind=AccountKind.FUNDING, currency=currency)
    budget = account_for(kind=AccountKind.BUDGET, currency=currency)
    return _post(
        actor=actor,
        lines=[(funding, -amount), (budget, amount)],
        memo="Budget funded",
        source_kind="ledger.funding",
        source_id=SYSTEM_SOURCE_ID,
    )


@transaction.atomic
def unit_float_fund(*, actor: Any, unit: Any, amount_minor: int, currency: str) -> Transaction:
    """Cash sent from the budget to a unit's float (headquarters only)."""
    policies.check_headquarters_money(actor)
    amount = _amount(amount_minor, positive=True)
    _locked_state()
    budget = account_for(kind=AccountKind.BUDGET, currency=currency)
    float_account = account_for(kind=AccountKind.UNIT_FLOAT, currency=currency, unit=unit)
    available = _balance_rows([budget.pk])[budget.pk].balance_minor
    if available < amount:
        raise LedgerRefused(
            _("The budget holds %(available)s %(currency)s; %(amount)s cannot be sent.")
            % {"available": available, "currency": currency, "amount": amount}
        )
    return _post(
        actor=actor,
        lines=[(budget, -amount), (float_account, amount)],
        memo="Unit float funded",
        source_kind="ledger.float",
        source_id=int(unit.pk),
    )


def _open_payable_exists(source_kind: str, source_id: int) -> bool:
    return (
        Transaction.objects.filter(
            source_kind=source_kind,
            source_id=source_id,
            reverses__isnull=True,
            reversed_by__isnull=True,
            entries__account__kind=AccountKind.CASE_PAYABLE,
            entries__amount_minor__gt=0,
        ).exists()
        or Payment.objects.filter(source_kind=source_kind, source_id=source_id).exists()
    )


@transaction.atomic
def payable_record(
    *,
    actor: Any,
    case: Any,
    unit: Any,
    amount_minor: int,
    currency: str,
    source_kind: str,
    source_id: int,
) -> Transaction:
    """An approved claim or stipend: the budget earmarks the amount for the case.

    Refuses a second payable for the same source (two approvals of one
    claim earmark once)."""
    policies.check_unit_money(actor, getattr(unit, "pk", None))
    amount = _amount(amount_minor, positive=True)
    source_kind, source_id = _source(source_kind, source_id)
    _currency(currency)
    _locked_state()
    if _open_payable_exists(source_kind, source_id):
        raise LedgerRefused(_("A payable is already recorded for this claim."))
    budget = account_for(kind=AccountKind.BUDGET, currency=currency)
    payable = account_for(kind=AccountKind.CASE_PAYABLE, currency=currency, case=case)
    txn = _post(
        actor=actor,
        lines=[(budget, -amount), (payable, amount)],
        memo=f"Payable recorded for {source_kind}",
        source_kind=source_kind,
        source_id=source_id,
    )
    audit_record(
        actor=actor,
        action="ledger.payable_recorded",
        target=txn,
        unit=unit,
        details={"case": case.pk, "amount_minor": amount, "currency": currency},
    )
    return txn


@transaction.atomic
def payable_cancel(*, actor: Any, source_kind: str, source_id: int, reason: str) -> Transaction:
    """Reverse the open payable of a claim or stipend that will not be paid
    (cancelled after approval). Refused once it is paid."""
    source_kind, source_id = _source(source_kind, source_id)
    _locked_state()
    if Payment.objects.filter(source_kind=source_kind, source_id=source_id).exists():
        raise LedgerRefused(_("This has already been paid: it cannot be cancelled."))
    payable = (
        Transaction.objects.filter(
            source_kind=source_kind,
            source_id=source_id,
            reverses__isnull=True,
            reversed_by__isnull=True,
            entries__account__kind=AccountKind.CASE_PAYABLE,
            entries__amount_minor__gt=0,
        )
        .distinct()
        .first()
    )
    if payable is None:
        raise LedgerRefused(_("No open payable is recorded for this claim."))
    case_id = payable.entries.filter(account__kind=AccountKind.CASE_PAYABLE).values_list(
        "account__case__unit_id", flat=True
    )
    policies.check_unit_money(actor, case_id.first())
    return transaction_reverse(actor=actor, transaction=payable, reason=reason)


def _payment_details(
    *, actor: Any, method: str, witness: Any, reference: str, family_member: str
) -> tuple[Any, str, str]:
    if method not in PaymentMethod.values:
        raise LedgerRefused(_("Unknown payment method."))
    reference = " ".join(str(reference or "").split())
    family_member = " ".join(str(family_member or "").split())
    if method == PaymentMethod.CASH_WITH_WITNESS:
        if witness is None:
            raise LedgerRefused(_("A cash payment needs a witness."))
        if not isinstance(witness, get_user_model()) or not witness.is_active:
            raise LedgerRefused(_("The witness must be an active member of staff."))
        if actor is not None and witness.pk == actor.pk:
            raise LedgerRefused(_("The witness must be someone other than the payer."))
        return witness, "", ""
    if witness is not None:
        raise LedgerRefused(_("Only a cash payment has a witness."))
    if method == PaymentMethod.MOBILE_MONEY:
        if not reference:
            raise LedgerRefused(_("A mobile-money payment needs its reference."))
        if len(reference) > 100:
            raise LedgerRefused(_("The reference is too long."))
        return None, reference, ""
    if not family_member:
        raise LedgerRefused(_("Say which family member received the money."))
    if len(family_member) > 200:
        raise LedgerRefused(_("The family member's description is too long."))
    return None, "", family_member


@transaction.atomic
def payment_make(
    *,
    actor: Any,
    case: Any,
    unit: Any,
    amount_minor: int,
    currency: str,
    method: str,
    witness: Any = None,
    reference: str = "",
    family_member: str = "",
    source_kind: str,
    source_id: int,
) -> Payment:
    """Pay a case from its unit's float. One payment per source, never more
    than the case is owed, never more than the float holds."""
    actor = _user_or_none(actor)
    policies.check_unit_money(actor, getattr(unit, "pk", None))
    amount = _amount(amount_minor, positive=True)
    currency = _currency(currency)
    source_kind, source_id = _source(source_kind, source_id)
    if case.unit_id != unit.pk:
        raise LedgerRefused(_("A case is paid by its own unit."))
    witness, reference, family_member = _payment_details(
        actor=actor,
        method=method,
        witness=witness,
        reference=reference,
        family_member=family_member,
    )
    # The chain lock first (every posting takes it), then the balances.
    _locked_state()
    if Payment.objects.filter(source_kind=source_kind, source_id=source_id).exists():
        raise LedgerRefused(_("This has already been paid."))
    payable = account_for(kind=AccountKind.CASE_PAYABLE, currency=currency, case=case)
    float_account = account_for(kind=AccountKind.UNIT_FLOAT, currency=currency, unit=unit)
    budget = account_for(kind=AccountKind.BUDGET, currency=currency)
    paid_out = account_for(kind=AccountKind.PAID_OUT, currency=currency)
    rows = _balance_rows(sorted({payable.pk, float_account.pk}))
    owed = rows[payable.pk].balance_minor
    if amount > owed:
        raise LedgerRefused(
            _("The case is owed %(owed)s %(currency)s; %(amount)s cannot be paid.")
            % {"owed": owed, "currency": currency, "amount": amount}
        )
    held = rows[float_account.pk].balance_minor
    if amount > held:
        raise LedgerRefused(
            _(
                "The unit's cash float holds %(held)s %(currency)s, less than the "
                "%(amount)s to pay: headquarters must fund the float first."
            )
            % {"held": held, "currency": currency, "amount": amount}
        )
    txn = _post(
        actor=actor,
        lines=[(payable, -amount), (budget, amount), (float_account, -amount), (paid_out, amount)],
        memo=f"Payment for {source_kind}",
        source_kind=source_kind,
        source_id=source_id,
    )
    payment = Payment(
        case=case,
        unit=unit,
        amount_minor=amount,
        currency=currency,
        method=method,
        actor=actor,
        witness=witness,
        source_kind=source_kind,
        source_id=source_id,
        transaction=txn,
        created_at=txn.created_at,
    )
    payment.reference = reference
    payment.family_member = family_member
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        raise LedgerRefused(_("This has already been paid.")) from None
    audit_record(
        actor=actor,
        action="ledger.payment_made",
        target=payment,
        unit=unit,
        details={
            "case": case.pk,
            "amount_minor": amount,
            "currency": currency,
            "method": method,
            "witness": witness.pk if witness is not None else None,
            "source_kind": source_kind,
            "source_id": source_id,
        },
    )
    return payment


def month_start(month: object) -> dt.date:
    if isinstance(month, dt.datetime):
        month = month.date()
    if not isinstance(month, dt.date):
        raise LedgerRefused(_("The month is a date."))
    return month.replace(day=1)


@transaction.atomic
def float_reconcile(
    *,
    actor: Any,
    unit: Any,
    month: dt.date,
    counted_minor: int,
    note: str,
    currency: str = DEFAULT_CURRENCY,
) -> FloatReconciliation:
    """Record a count of the unit's cash against the books; the difference
    is kept as found, never corrected here."""
    actor = _user_or_none(actor)
    policies.check_unit_money(actor, getattr(unit, "pk", None))
    first = month_start(month)
    today = timezone.localdate()
    if first > today:
        raise LedgerRefused(_("A month still to come cannot be reconciled."))
    if isinstance(counted_minor, bool) or not isinstance(counted_minor, int):
        raise LedgerRefused(_("The count is a whole number of minor units."))
    if not 0 <= counted_minor <= MAX_MINOR:
        raise LedgerRefused(_("The count must be between zero and the largest amount."))
    note = str(note or "").strip()
    if len(note) > 1000:
        raise LedgerRefused(_("The note is too long."))
    currency = _currency(currency)
    _locked_state()
    float_account = account_for(kind=AccountKind.UNIT_FLOAT, currency=currency, unit=unit)
    book = _balance_rows([float_account.pk])[float_account.pk].balance_minor
    row = FloatReconciliation(
        unit=unit,
        month=first,
        currency=currency,
        counted_minor=counted_minor,
        book_minor=book,
        difference_minor=counted_minor - book,
        actor=actor,
        created_at=timezone.now(),
    )
    row.note = note
    row.save()
    audit_record(
        actor=actor,
        action="ledger.float_reconciled",
        target=row,
        unit=unit,
        details={
            "month": first.isoformat(),
            "currency": currency,
            "counted_minor": counted_minor,
            "book_minor": book,
            "difference_minor": counted_minor - book,
        },
    )
    return row


def last_day(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


#: The years a monthly budget may be set for.
BUDGET_YEARS = (2000, 2200)


@transaction.atomic
def budget_set(
    *,
    actor: Any,
    month: dt.date,
    purpose: str,
    amount_minor: int,
    currency: str = DEFAULT_CURRENCY,
) -> MonthlyBudget:
    """Set headquarters' budget for one month, purpose and currency
    (replacing an earlier figure; the audit event keeps both). Only
    headquarters' finance staff (or the system) may."""
    actor = _user_or_none(actor)
    if actor is not None and not policies.is_headquarters_finance(actor):
        raise PermissionDenied("not_headquarters")
    first = month_start(month)
    if not BUDGET_YEARS[0] <= first.year <= BUDGET_YEARS[1]:
        raise LedgerRefused(_("Choose a month between the years 2000 and 2200."))
    if purpose not in BudgetPurpose.values:
        raise LedgerRefused(_("Unknown budget purpose."))
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise LedgerRefused(_("The budget is a whole number of minor units."))
    if not 0 <= amount_minor <= MAX_MINOR:
        raise LedgerRefused(_("The budget must be between zero and the largest amount."))
    currency = _currency(currency)
    row = (
        MonthlyBudget.objects.select_for_update()
        .filter(month=first, purpose=purpose, currency=currency)
        .first()
    )
    previous = row.amount_minor if row is not None else None
    now = timezone.now()
    if row is None:
        row = MonthlyBudget.objects.create(
            month=first,
            purpose=purpose,
            currency=currency,
            amount_minor=amount_minor,
            set_by=actor,
            set_at=now,
        )
    else:
        row.amount_minor = amount_minor
        row.set_by = actor
        row.set_at = now
        row.save(update_fields=["amount_minor", "set_by", "set_at"])
    audit_record(
        actor=actor,
        action="ledger.budget_set",
        target=row,
        details={
            "month": first.isoformat(),
            "purpose": purpose,
            "currency": currency,
            "amount_minor": amount_minor,
            "previous_minor": previous,
        },
    )
    return row
