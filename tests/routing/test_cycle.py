"""The per-loan rules of check_cycle on one hand-dated parcel loan."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from routing import Calendar, CycleParams, Loan, Request
from routing.cycle import device_overlaps, loan_date_violations, ready_day

CAL = Calendar()
PARAMS = CycleParams(use_days=14, cleaning_days=1, return_parcel_days=3, service_level_days=3)
MON = dt.date(2026, 11, 2)  # a Monday


def day(n: int) -> dt.date:
    """The date ``n`` calendar days after Monday 2 November 2026."""
    return MON + dt.timedelta(days=n)


@pytest.fixture
def good_loan() -> Loan:
    """A parcel referral of Monday 2 Nov: shipped that day, in the patient's hands Tuesday 3,
    14 days of use to Tuesday 17, back by return parcel Friday 20, clean Monday 23. Every date
    is a weekday, so each one can be counted on the fingers; it breaks no rule."""
    return Loan(
        "R1", "hub", "p", MON, day(3), "parcel", "hub#1", day(0), day(1), "parcel", day(15),
        day(18), day(21),
    )  # fmt: skip


def test_a_good_loan_breaks_no_rule(good_loan: Loan) -> None:
    """The hand-dated loan passes every per-loan rule (so the rules below can fail)."""
    assert loan_date_violations(good_loan, MON, CAL, PARAMS) == []


def test_dates_out_of_order_are_named_and_stop_the_checks(good_loan: Loan) -> None:
    """Back before the use ends: only "Cycle dates out of order", with the five dates."""
    loan = dataclasses.replace(good_loan, back=day(14))
    found = loan_date_violations(loan, MON, CAL, PARAMS)
    assert [(v.rule, v.where) for v in found] == [("Cycle dates out of order", "referral R1")]
    assert found[0].message == (
        "ship 2026-11-02, device 2026-11-03, use ends 2026-11-17, back 2026-11-16, free 2026-11-23."
    )


def test_a_missing_date_counts_as_out_of_order(good_loan: Loan) -> None:
    """A shipped loan with no return date breaks "Cycle dates out of order"."""
    loan = dataclasses.replace(good_loan, back=None)
    assert [v.rule for v in loan_date_violations(loan, MON, CAL, PARAMS)] == [
        "Cycle dates out of order"
    ]


def test_use_too_short_and_shipped_before_ready(good_loan: Loan) -> None:
    """Return started after 13 days of use and shipped a day before the referral was ready."""
    loan = dataclasses.replace(good_loan, return_start=day(14))
    found = loan_date_violations(loan, day(1), CAL, PARAMS)
    assert [v.rule for v in found] == ["Use too short", "Shipped before ready"]
    assert found[1].message == "shipped 2026-11-02, ready 2026-11-03."


def test_on_time_flag_must_match_the_due_day(good_loan: Loan) -> None:
    """The device arrives Friday 6, after the due day (Thursday 5), but the loan's due date
    says it is on time (use and return moved along, so only the flag is wrong)."""
    late = dataclasses.replace(
        good_loan, device_date=day(4), due=day(10), return_start=day(18), back=day(18)
    )
    assert late.on_time
    assert [v.rule for v in loan_date_violations(late, None, CAL, PARAMS)] == ["On-time flag wrong"]


def test_device_overlaps_compare_consecutive_loans(good_loan: Loan) -> None:
    """A second loan of hub#1 leaving on Monday 23 (the day it is free) is fine, on Friday 20
    it is not; a first loan never freed blocks any next one."""
    after = dataclasses.replace(good_loan, request="R2", ship=day(21))
    early = dataclasses.replace(good_loan, request="R2", ship=day(18))
    never = dataclasses.replace(good_loan, available=None)
    assert device_overlaps("hub#1", [good_loan, after]) == []
    assert [v.message for v in device_overlaps("hub#1", [good_loan, early])] == [
        "device hub#1 leaves for R2 on 2026-11-20, but is not free from R1 until 2026-11-23."
    ]
    assert len(device_overlaps("hub#1", [never, after])) == 1


def test_ready_day_adds_the_courier_lead() -> None:
    """A courier referral is ready one business day later (Friday -> Monday); a parcel at once."""
    friday = day(4)
    assert ready_day(Request("c", "hub", "p", friday, "courier"), CAL, PARAMS) == day(7)
    assert ready_day(Request("p", "hub", "p", friday, "parcel"), CAL, PARAMS) == friday
