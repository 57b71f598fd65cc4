"""The reminder planner's decision core: plain Python, no ORM, no Odoo import.

Given the candidate invoices, the programs and today's date, it decides for
each invoice which stage is due and whether the daily job will send it, and if
not, why. The simulation digest, the daily job, the invoice screen and the
mass actions all read their plan from here, so they can never disagree.
``models/relance_planner.py`` loads the data in a few batched queries and
calls :func:`plan`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Why a due reminder will not be sent automatically (keys of the digest).
REASON_ALREADY_SENT = "already_sent"
REASON_POLICY_NONE = "policy_none"
REASON_EXCLUDED = "excluded"
REASON_MANUAL = "manual_mode"
REASON_NO_EMAIL = "no_email"
REASON_NO_ADDRESS = "no_address"
REASON_TEMPLATE_ERROR = "template_error"  # only known when rendering, see sending
REASONS = (
    REASON_ALREADY_SENT,
    REASON_POLICY_NONE,
    REASON_EXCLUDED,
    REASON_MANUAL,
    REASON_NO_EMAIL,
    REASON_NO_ADDRESS,
    REASON_TEMPLATE_ERROR,
)

# How a stage reminds: by mail, by a printed letter, or both.
CHANNEL_EMAIL = "email"
CHANNEL_LETTER = "letter"
CHANNEL_EMAIL_LETTER = "email_letter"
CHANNELS = (CHANNEL_EMAIL, CHANNEL_LETTER, CHANNEL_EMAIL_LETTER)


def uses_email(channel: str) -> bool:
    return channel in (CHANNEL_EMAIL, CHANNEL_EMAIL_LETTER)


def uses_letter(channel: str) -> bool:
    return channel in (CHANNEL_LETTER, CHANNEL_EMAIL_LETTER)


REMINDABLE_PAYMENT_STATES = frozenset({"not_paid", "partial"})


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    level: int
    delay_days: int
    channel: str = CHANNEL_EMAIL


@dataclass(frozen=True, slots=True)
class Program:
    id: int
    mode: str  # "manual" | "auto"
    stages: tuple[Stage, ...]  # any order

    def due_stage(self, days_late: int, above_level: int) -> Stage | None:
        """The highest stage reached after ``days_late`` days whose level is
        above ``above_level``; missed lower stages are skipped."""
        best = None
        for stage in self.stages:
            reached = stage.delay_days <= days_late and stage.level > above_level
            if reached and (best is None or stage.level > best.level):
                best = stage
        return best

    def reached_stage(self, days_late: int) -> Stage | None:
        return self.due_stage(days_late, 0)


@dataclass(frozen=True, slots=True)
class Invoice:
    id: int
    company_id: int
    partner_id: int  # commercial partner
    due_date: datetime.date
    move_type: str = "out_invoice"
    state: str = "posted"
    payment_state: str = "not_paid"
    excluded: bool = False
    last_level: int = 0  # highest level sent automatically or by hand (tests never count)
    policy: str = "global"  # customer policy in the invoice's company
    custom_program_id: int | None = None
    has_email: bool = True
    has_address: bool = True  # a postal address to send a letter to


@dataclass(frozen=True, slots=True)
class PlanLine:
    invoice_id: int
    company_id: int
    partner_id: int
    program_id: int
    stage_id: int
    level: int
    days_late: int
    send: bool  # True: the daily job sends it
    reason: str | None  # why not, when ``send`` is False
    channel: str = CHANNEL_EMAIL


def is_candidate(invoice: Invoice) -> bool:
    """Posted customer invoices with something left to pay; a partial payment
    never stops reminders, in_payment / paid / reversed never get one."""
    return (
        invoice.move_type == "out_invoice"
        and invoice.state == "posted"
        and invoice.payment_state in REMINDABLE_PAYMENT_STATES
    )


def stage_program_id(policy: str, custom_program_id: int | None, global_program_id: int | None) -> int | None:
    """The program whose stages apply to a customer: its custom one, else its
    company's global one. Policy ``none`` keeps the global program's stages
    (reminders by hand use them, and the plan says what is due and why it is
    not sent automatically)."""
    if policy == "custom":
        return custom_program_id or None
    return global_program_id or None


def automatic_program_id(policy: str, custom_program_id: int | None, global_program_id: int | None) -> int | None:
    """The program that reminds a customer automatically (None for policy ``none``)."""
    return None if policy == "none" else stage_program_id(policy, custom_program_id, global_program_id)


def resolve_program(
    invoice: Invoice,
    programs: Mapping[int, Program],
    global_program_ids: Mapping[int, int | None],
) -> Program | None:
    """The program whose stages apply to the invoice (see :func:`stage_program_id`)."""
    program_id = stage_program_id(invoice.policy, invoice.custom_program_id, global_program_ids.get(invoice.company_id))
    return programs.get(program_id) if program_id else None


def plan_invoice(invoice: Invoice, program: Program | None, today: datetime.date) -> PlanLine | None:
    """The reminder due today for one invoice, or None if nothing is due."""
    if program is None or not is_candidate(invoice):
        return None
    days_late = (today - invoice.due_date).days
    stage = program.due_stage(days_late, invoice.last_level)
    reason = None
    if stage is None:
        reached = program.reached_stage(days_late)
        if reached is None:
            return None  # not late enough for the first stage
        stage, reason = reached, REASON_ALREADY_SENT
    elif invoice.policy == "none":
        reason = REASON_POLICY_NONE
    elif invoice.excluded:
        reason = REASON_EXCLUDED
    elif program.mode != "auto":
        reason = REASON_MANUAL
    elif uses_email(stage.channel) and not invoice.has_email:
        reason = REASON_NO_EMAIL
    elif uses_letter(stage.channel) and not invoice.has_address:
        reason = REASON_NO_ADDRESS
    return PlanLine(
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        partner_id=invoice.partner_id,
        program_id=program.id,
        stage_id=stage.id,
        level=stage.level,
        days_late=days_late,
        send=reason is None,
        reason=reason,
        channel=stage.channel,
    )


def plan(
    invoices: Iterable[Invoice],
    programs: Mapping[int, Program],
    global_program_ids: Mapping[int, int | None],
    today: datetime.date | Mapping[int, datetime.date],
) -> list[PlanLine]:
    """The plan of the day: one line per invoice that has reached a stage.

    ``today`` is a date, or a date per company id (each company's local date).
    """
    lines = []
    for invoice in invoices:
        day = today if isinstance(today, datetime.date) else today[invoice.company_id]
        line = plan_invoice(invoice, resolve_program(invoice, programs, global_program_ids), day)
        if line is not None:
            lines.append(line)
    return lines
