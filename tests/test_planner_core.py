"""Odoo-free unit tests of the planner's decision core (plain pytest + hypothesis)."""

import datetime
import importlib.util
import pathlib
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

_PATH = pathlib.Path(__file__).resolve().parents[1] / "relances_auto" / "planner.py"
_SPEC = importlib.util.spec_from_file_location("relances_planner_core", _PATH)
core = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = core
_SPEC.loader.exec_module(core)

# no time limit per example: these run beside Odoo's suite on a loaded machine
settings.register_profile("relances", deadline=None, max_examples=300)
settings.load_profile("relances")

TODAY = datetime.date(2026, 3, 31)
STAGES = (core.Stage(11, 1, 7), core.Stage(12, 2, 15), core.Stage(13, 3, 30))
AUTO = core.Program(1, "auto", STAGES)
MANUAL = core.Program(2, "manual", STAGES)
PROGRAMS = {1: AUTO, 2: MANUAL}
GLOBAL = {100: 1}


def invoice(days_late, **kwargs):
    values = {"id": 1, "company_id": 100, "partner_id": 7, "due_date": TODAY - datetime.timedelta(days=days_late)}
    values.update(kwargs)
    return core.Invoice(**values)


def plan_one(inv, today=TODAY):
    lines = core.plan([inv], PROGRAMS, GLOBAL, today)
    assert len(lines) <= 1
    return lines[0] if lines else None


@pytest.mark.parametrize(
    ("days_late", "level"),
    [(-3, None), (0, None), (6, None), (7, 1), (14, 1), (15, 2), (29, 2), (30, 3), (400, 3)],
)
def test_stage_due_by_days_late(days_late, level):
    line = plan_one(invoice(days_late))
    assert (line.level if line else None) == level
    if line:
        assert line.send and line.reason is None
        assert line.days_late == days_late


def test_missed_stages_are_skipped_not_sent_in_a_burst():
    line = plan_one(invoice(45))
    assert (line.level, line.stage_id) == (3, 13)


def test_level_already_sent_is_not_sent_again():
    line = plan_one(invoice(20, last_level=2))
    assert line.level == 2 and not line.send and line.reason == core.REASON_ALREADY_SENT
    line = plan_one(invoice(31, last_level=2))
    assert line.level == 3 and line.send


def test_manual_send_of_a_higher_level_counts():
    """A level 3 sent by hand at J+10 means nothing is due automatically after."""
    line = plan_one(invoice(40, last_level=3))
    assert not line.send and line.reason == core.REASON_ALREADY_SENT


@pytest.mark.parametrize("payment_state", ["in_payment", "paid", "reversed", "invoicing_legacy"])
def test_settled_invoices_never_get_a_reminder(payment_state):
    assert plan_one(invoice(40, payment_state=payment_state)) is None


def test_partial_payment_does_not_stop_reminders():
    assert plan_one(invoice(40, payment_state="partial")).send


@pytest.mark.parametrize(
    ("field", "value"),
    [("move_type", "out_refund"), ("move_type", "in_invoice"), ("state", "draft"), ("state", "cancel")],
)
def test_only_posted_customer_invoices(field, value):
    assert plan_one(invoice(40, **{field: value})) is None


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"policy": "none"}, core.REASON_POLICY_NONE),
        ({"excluded": True}, core.REASON_EXCLUDED),
        ({"policy": "custom", "custom_program_id": 2}, core.REASON_MANUAL),
        ({"has_email": False}, core.REASON_NO_EMAIL),
    ],
)
def test_reasons_for_not_sending(kwargs, reason):
    line = plan_one(invoice(16, **kwargs))
    assert line.level == 2 and not line.send and line.reason == reason


@pytest.mark.parametrize(
    ("channel", "has_email", "has_address", "reason"),
    [
        (core.CHANNEL_EMAIL, True, False, None),
        (core.CHANNEL_EMAIL, False, True, core.REASON_NO_EMAIL),
        (core.CHANNEL_LETTER, False, True, None),
        (core.CHANNEL_LETTER, True, False, core.REASON_NO_ADDRESS),
        (core.CHANNEL_EMAIL_LETTER, False, True, core.REASON_NO_EMAIL),
        (core.CHANNEL_EMAIL_LETTER, True, False, core.REASON_NO_ADDRESS),
        (core.CHANNEL_EMAIL_LETTER, True, True, None),
    ],
)
def test_channel_needs_its_address(channel, has_email, has_address, reason):
    """A letter needs a postal address, not an email address, and the reverse."""
    program = core.Program(1, "auto", (core.Stage(11, 1, 7, channel),))
    line = core.plan_invoice(invoice(10, has_email=has_email, has_address=has_address), program, TODAY)
    assert (line.send, line.reason, line.channel) == (reason is None, reason, channel)


def test_custom_program_replaces_the_global_one():
    fast = core.Program(3, "auto", (core.Stage(31, 1, 1),))
    lines = core.plan([invoice(2, policy="custom", custom_program_id=3)], {**PROGRAMS, 3: fast}, GLOBAL, TODAY)
    assert [(line.program_id, line.level, line.send) for line in lines] == [(3, 1, True)]


def test_no_program_no_reminder():
    assert core.plan([invoice(40)], PROGRAMS, {100: None}, TODAY) == []
    assert core.plan([invoice(40, policy="custom", custom_program_id=None)], PROGRAMS, GLOBAL, TODAY) == []
    assert core.plan([invoice(40, policy="custom", custom_program_id=99)], PROGRAMS, GLOBAL, TODAY) == []


def test_today_per_company():
    lines = core.plan(
        [invoice(7, id=1, company_id=100), invoice(7, id=2, company_id=200)],
        PROGRAMS,
        {100: 1, 200: 1},
        {100: TODAY, 200: TODAY - datetime.timedelta(days=1)},
    )
    assert [line.invoice_id for line in lines] == [1]


# --- properties ---------------------------------------------------------------

stages_strategy = st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=3, unique=True).map(
    lambda delays: tuple(core.Stage(10 + i, i + 1, d) for i, d in enumerate(sorted(delays)))
)
invoices_strategy = st.builds(
    core.Invoice,
    id=st.integers(1, 10**6),
    company_id=st.just(100),
    partner_id=st.integers(1, 50),
    due_date=st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 1, 1)),
    payment_state=st.sampled_from(["not_paid", "partial", "in_payment", "paid", "reversed"]),
    excluded=st.booleans(),
    last_level=st.integers(0, 3),
    policy=st.sampled_from(["global", "none"]),
    has_email=st.booleans(),
)


@given(
    inv=invoices_strategy,
    stages=stages_strategy,
    mode=st.sampled_from(["auto", "manual"]),
    today=st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 6, 1)),
)
def test_never_sends_a_level_at_or_below_one_already_sent(inv, stages, mode, today):
    line = core.plan_invoice(inv, core.Program(1, mode, stages), today)
    if line and line.send:
        assert line.level > inv.last_level
        assert line.days_late >= max(s.delay_days for s in stages if s.level == line.level)


@given(
    inv=invoices_strategy, stages=stages_strategy, today=st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 6, 1))
)
def test_never_a_settled_invoice(inv, stages, today):
    line = core.plan_invoice(inv, core.Program(1, "auto", stages), today)
    if inv.payment_state not in ("not_paid", "partial"):
        assert line is None


@given(
    inv=invoices_strategy,
    stages=stages_strategy,
    mode=st.sampled_from(["auto", "manual"]),
    today=st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 6, 1)),
    later=st.integers(0, 400),
)
def test_monotonic_in_the_date(inv, stages, mode, today, later):
    program = core.Program(1, mode, stages)
    before = core.plan_invoice(inv, program, today)
    after = core.plan_invoice(inv, program, today + datetime.timedelta(days=later))
    if before is not None:
        assert after is not None and after.level >= before.level


@given(
    inv=invoices_strategy, stages=stages_strategy, today=st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 6, 1))
)
def test_sending_then_replanning_never_repeats(inv, stages, today):
    """After the planned level is recorded, the same day's plan sends nothing."""
    program = core.Program(1, "auto", stages)
    line = core.plan_invoice(inv, program, today)
    if line and line.send:
        sent = core.Invoice(**{**{f: getattr(inv, f) for f in inv.__slots__}, "last_level": line.level})
        again = core.plan_invoice(sent, program, today)
        assert again is not None and not again.send and again.reason == core.REASON_ALREADY_SENT


def test_upcoming_line_gives_the_next_stage_and_its_date():
    line = core.plan_invoice(invoice(3), AUTO, TODAY, upcoming=True)
    assert (line.level, line.upcoming, line.send, line.reason) == (1, True, False, None)
    assert line.due_on == TODAY + datetime.timedelta(days=4)
    due = core.plan_invoice(invoice(20, last_level=1), AUTO, TODAY, upcoming=True)
    assert (due.level, due.upcoming, due.send, due.due_on) == (2, False, True, TODAY - datetime.timedelta(days=5))
    after_two = core.plan_invoice(invoice(20, last_level=2), AUTO, TODAY, upcoming=True)
    assert (after_two.level, after_two.upcoming) == (3, True), "the next stage, not 'already sent'"
    done = core.plan_invoice(invoice(40, last_level=3), AUTO, TODAY, upcoming=True)
    assert done.reason == core.REASON_ALREADY_SENT
    assert core.plan_invoice(invoice(3), AUTO, TODAY) is None, "no upcoming line unless asked"


def test_why_a_customer_is_never_reminded_automatically():
    assert (
        core.plan_invoice(invoice(3, policy="none"), AUTO, TODAY, upcoming=True).off_reason == core.REASON_POLICY_NONE
    )
    assert core.plan_invoice(invoice(8), MANUAL, TODAY).off_reason == core.REASON_MANUAL
    archived = core.Program(3, "auto", STAGES, active=False)
    line = core.plan_invoice(invoice(8), archived, TODAY)
    assert (line.send, line.reason, line.automatic) == (False, core.REASON_ARCHIVED, False)
    excluded = core.plan_invoice(invoice(8, excluded=True), MANUAL, TODAY)
    assert excluded.off_reason == core.REASON_MANUAL, "the program's mode before the invoice's own exclusion"


def test_dates_never_overflow():
    huge = core.Program(4, "auto", (core.Stage(1, 1, 3_000_000),))
    line = core.plan_invoice(invoice(5), huge, TODAY, upcoming=True)
    assert line.due_on == datetime.date.max
    assert core.add_days(datetime.date(2026, 1, 1), -3_000_000) == datetime.date.min


# --- courtesy reminders and pauses (#13) -----------------------------------------

courtesy_stages = st.lists(st.integers(min_value=-30, max_value=60), min_size=1, max_size=3, unique=True).map(
    lambda delays: tuple(core.Stage(10 + i, i + 1, d) for i, d in enumerate(sorted(delays)))
)
any_day = st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 6, 1))


def test_seed_000_schedule_courtesy_then_reminders():
    """J-3 (a courtesy notice), J+3, J+15: each on its day, none after its time."""
    program = core.Program(1, "auto", (core.Stage(1, 1, -3), core.Stage(2, 2, 3), core.Stage(3, 3, 15)))
    programs = {1: program}

    def plan_at(days_late, last_level=0):
        lines = core.plan([invoice(days_late, last_level=last_level)], programs, GLOBAL, TODAY)
        return lines[0] if lines else None

    assert plan_at(-4) is None  # not yet
    line = plan_at(-3)
    assert (line.level, line.send, line.days_late) == (1, True, -3)
    assert plan_at(0).level == 1  # on the due date, still a courtesy notice
    assert plan_at(1) is None, "a courtesy stage is never sent once the invoice is overdue"
    assert plan_at(3).level == 2
    assert plan_at(2, last_level=1) is None
    assert plan_at(20, last_level=2).level == 3


@given(inv=invoices_strategy, stages=courtesy_stages, today=any_day)
def test_a_courtesy_stage_is_never_sent_once_overdue(inv, stages, today):
    line = core.plan_invoice(inv, core.Program(1, "auto", stages), today)
    if line and line.send:
        stage = next(s for s in stages if s.level == line.level)
        if stage.delay_days < 0:
            assert line.days_late <= 0


@given(inv=invoices_strategy, stages=courtesy_stages, today=any_day, pause=st.integers(-10, 60))
def test_a_paused_invoice_is_never_sent_before_its_end_date(inv, stages, today, pause):
    paused = core.Invoice(
        **{**{f: getattr(inv, f) for f in inv.__slots__}, "paused_until": today + datetime.timedelta(days=pause)}
    )
    line = core.plan_invoice(paused, core.Program(1, "auto", stages), today)
    if pause > 0:
        assert not (line and line.send)
        if line and line.reason not in (core.REASON_ALREADY_SENT, None) and not line.upcoming:
            assert line.reason in core.AUTOMATIC_OFF_REASONS | {core.REASON_PAUSED}
    else:
        # the pause is over: exactly what the plan would be without it
        free = core.plan_invoice(inv, core.Program(1, "auto", stages), today)
        assert line == free


def test_pause_resumes_at_the_stage_then_due():
    program = core.Program(1, "auto", STAGES)
    paused = invoice(10, paused_until=TODAY + datetime.timedelta(days=20))
    line = core.plan([paused], {1: program}, GLOBAL, TODAY)[0]
    assert (line.level, line.send, line.reason) == (1, False, core.REASON_PAUSED)
    later = TODAY + datetime.timedelta(days=20)
    line = core.plan([paused], {1: program}, GLOBAL, later)[0]
    assert (line.level, line.send) == (3, True), "levels 1 and 2 were missed: skipped, never sent in a burst"
