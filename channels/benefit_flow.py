"""`SICK` and `BETTER` by SMS: a sick-leave claim from a date, and its end.

`SICK` claims from today, `SICK 2026-12-03` from that day, and any words after the date
are the claim's evidence (`SICK 2026-12-03 clinic note 4471`). `BETTER` says the member is
back today, `BETTER 2026-12-10` from that day. Both call the same `benefits.service` as
the API and the web, so a refusal here is the refusal there.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from benefits import end_claim, file_claim
from benefits.repository import open_claim
from benefits.rules import BenefitNotOffered
from benefits.service import (
    ClaimAlreadyDecided,
    ClaimAlreadyOpen,
    ClaimNotFound,
    EvidenceRequired,
    InvalidClaimDate,
    TierNotChosen,
)
from channels.replies import Reply, say, say_problem
from pools import repository as pools_repository
from pools.models import Worker
from runs.models import Decision

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _BadDate(Exception):
    pass


def _date_and_rest(argument: str) -> tuple[date | None, str]:
    first, _, rest = argument.strip().partition(" ")
    if not first:
        return None, ""
    if not _DATE.match(first):
        if any(ch.isdigit() for ch in first):
            raise _BadDate(first)
        return None, argument.strip()  # no date: the words are evidence, from today
    try:
        return date.fromisoformat(first), rest.strip()
    except ValueError:
        raise _BadDate(first) from None


async def sick(
    session: AsyncSession, worker: Worker, argument: str, language: str, now: datetime
) -> Reply:
    try:
        starts, evidence = _date_and_rest(argument)
    except _BadDate:
        return say("SICK", "sms.benefit_date", language)
    try:
        async with session.begin_nested():  # a refusal leaves no half-made claim
            claim = await file_claim(
                session, worker, "sick", starts, evidence=evidence[:1000], channel="sms", now=now
            )
    except (BenefitNotOffered, TierNotChosen):
        return say("SICK", "sms.benefit_unavailable", language)
    except ClaimAlreadyOpen:
        found = None
        for member, _ in await pools_repository.memberships_of_worker(session, worker.id):
            found = found or await open_claim(session, member.id)
        return say("SICK", "sms.benefit_open", language, reference=found.reference if found else "")
    except InvalidClaimDate:
        return say("SICK", "sms.benefit_date", language)
    except EvidenceRequired:
        return say_problem("SICK", "benefit-evidence-required", language)
    if claim.status == "refused":
        decision = await session.get(Decision, claim.decision_id)
        assert decision is not None
        return say(
            "SICK", "benefit.refused", language, reason=decision.reason,
            reference=decision.reference,
        )  # fmt: skip
    return say("SICK", "sms.benefit_claimed", language, reference=claim.reference)


async def better(
    session: AsyncSession, worker: Worker, argument: str, language: str, now: datetime
) -> Reply:
    try:
        back, _ = _date_and_rest(argument)
    except _BadDate:
        return say("BETTER", "sms.benefit_date", language)
    try:
        async with session.begin_nested():
            claim = await end_claim(session, worker, back, now=now)
    except (ClaimNotFound, ClaimAlreadyDecided):
        return say("BETTER", "sms.benefit_none", language)
    except InvalidClaimDate:
        return say("BETTER", "sms.benefit_date", language)
    return say("BETTER", "sms.benefit_ended", language, reference=claim.reference)
