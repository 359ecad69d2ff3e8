"""One text in, one reply out: the SMS conversation, in the worker's language.

Order matters and is fixed: opt-out words first (STOP, START and their local words are
honoured whatever else is going on, before any limit); a stopped phone then gets nothing;
then the per-phone limit; then an exchange under way (a YES to "Uber 450.00 for November?");
then the commands. A phone that is not a worker may only JOIN, ask for HELP or STOP.
Every service called is the one the API calls; nothing here writes money or income itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from appeals import APPEAL_DAYS, file_appeal
from appeals.service import AppealWindowClosed
from banks import repository as bank_repository
from banks.service import decide_deposit
from banks.sync import payer_label
from channels import benefit_flow, income_flow, money_views, repository
from channels.income_flow import PLATFORM_NAMES
from channels.numbers import parse_choice
from channels.replies import Reply, clean_inbound, say, say_problem, silent
from channels.words import Read, language_of_word, opt_out_word, read
from core.money import Money
from core.ratelimit import Limit, counter_key, hit
from i18n import (
    SUPPORTED_LANGUAGES,
    Command,
    UnsupportedLanguage,
    match_keyword,
    parse_language_choice,
)
from i18n.languages import choose_language, language_for_phone
from i18n.registry import LANGUAGE_LIST, WORST_JOIN_CODE
from income.errors import UnknownPlatform
from income.platforms import parse_platform
from pools import repository as pools_repository
from pools.errors import JoinCodeNotFound, MembershipSuspended
from pools.models import Pool, Worker
from pools.profile import update_profile
from pools.service import join_pool
from runs.service import explanation_values
from votes import service as votes_service

PROPOSAL_REFERENCE = re.compile(r"^P-[2-9A-HJKMNP-Z]{5}$", re.IGNORECASE)

MEMBER_COMMANDS = (
    Command.INCOME,
    Command.BALANCE,
    Command.SAVE,
    Command.WHY,
    Command.APPEAL,
    Command.VOTE,
    Command.SICK,
    Command.BETTER,
)


@dataclass(frozen=True, slots=True)
class Context:
    """What a deployment decides: the limit's key, the help line, texts allowed per hour."""

    secret: str
    support: str
    inbound_per_hour: int
    now: datetime


def language_of(worker: Worker | None, phone: str, pool: Pool | None = None) -> str:
    return choose_language(
        chosen=worker.language if worker else None,
        accept_language=None,
        phone_e164=phone,
        pool_default=pool.default_language if pool else None,
    )


def inbound_limit(per_hour: int) -> Limit:
    return Limit("sms-inbound:phone", per_hour, timedelta(hours=1))


async def _new_worker(session: AsyncSession, phone: str, language: str | None) -> Worker:
    worker = Worker(phone_e164=phone, language=language, timezone="UTC", sms_opted_out=False)
    session.add(worker)
    await session.flush()
    return worker


async def _opt_out(
    session: AsyncSession, phone: str, worker: Worker | None, command: Command, word: str
) -> Reply:
    if command is Command.STOP:
        if worker is None:
            # Kept as a worker with texts off, so the suppression list (and the refusal of
            # sign-in codes) covers a phone that never joined.
            guessed = language_of_word(word, language_for_phone(phone))
            worker = await _new_worker(session, phone, guessed)
        await update_profile(session, worker, sms_opted_out=True, confirm_by_sms=False)
        await repository.clear_state(session, phone)
        return say("STOP", "sms.stopped", language_of(worker, phone))
    if worker is not None:
        await update_profile(session, worker, sms_opted_out=False, confirm_by_sms=False)
    return say("START", "sms.started", language_of(worker, phone))


async def converse(session: AsyncSession, phone: str, body: str, context: Context) -> Reply:
    """The reply to one text from `phone` (E.164), written through the caller's session."""
    text = clean_inbound(body)
    worker = await pools_repository.worker_by_phone(session, phone)
    found = read(text, worker.language if worker else None)
    command = opt_out_word(text) or (found.command if found else None)
    stopped = worker is not None and worker.sms_opted_out
    if command is Command.YES and stopped:
        command = Command.START  # Twilio's YES turns texts back on
    if command in (Command.STOP, Command.START):
        return await _opt_out(session, phone, worker, command, found.word if found else text)
    if stopped:
        return silent("stopped")

    limit = inbound_limit(context.inbound_per_hour)
    verdict = await hit(session, limit, counter_key(context.secret, "sms-inbound", phone))
    if not verdict.allowed:
        # One reply says why; after that, silence, so a loop with a bot costs one text.
        if verdict.count == limit.allowed + 1:
            return say("limited", "sms.rate_limited", language_of(worker, phone))
        return silent("limited")

    language = language_of(worker, phone)
    if worker is None and found is not None:
        # A stranger is answered in the language of the word they used, if it says one.
        language = language_of_word(found.word, language_for_phone(phone)) or language
    if command is Command.HELP:
        return say("HELP", "sms.help", language, support=context.support)
    if worker is None:
        if found is not None and found.command is Command.JOIN:
            return await _join(session, phone, None, found)
        return say("unknown", "sms.not_a_member", language)

    pools = await repository.active_pools(session, worker.id)
    if pools:
        language = language_of(worker, phone, pools[0])
    state = await repository.state_of(session, phone, context.now)
    if state is not None:
        if found is None or found.command in (Command.YES, Command.NO):
            said = found.command.value if found else None
            return await income_flow.answer(
                session, worker, pools, dict(state.data), text, said, language, context.now
            )
        await repository.clear_state(session, phone)  # a new command drops the exchange
    if found is None:
        return say("unknown", "sms.unknown_command", language)
    if found.command is Command.JOIN:
        return await _join(session, phone, worker, found)
    if found.command is Command.LANG:
        return await _lang(session, worker, found.argument, language)
    if found.command in MEMBER_COMMANDS and not pools:
        return say(found.command.value, "sms.not_a_member", language)
    if found.command is Command.INCOME:
        return await income_flow.start(
            session, worker, pools, found.argument, language, context.now
        )
    if found.command is Command.BALANCE:
        shown = await money_views.balance(session, worker.id, pools[0])
        return say(
            "BALANCE",
            "sms.balance",
            language,
            savings=shown.savings,
            paid=shown.paid,
            owed=shown.owed,
        )
    if found.command is Command.SAVE:
        goal = await money_views.target(session, worker.id, pools[0], language)
        if goal is None:
            return say("SAVE", "sms.no_plan", language)
        return say(
            "SAVE",
            "sms.target",
            language,
            target=goal.target,
            balance=goal.balance,
            progress=goal.progress_percent,
            set_aside=goal.set_aside,
        )
    if found.command is Command.WHY:
        return await _why(session, worker, found.argument, language)
    if found.command is Command.APPEAL:
        return await _appeal(session, worker, found.argument, language)
    if found.command is Command.VOTE:
        return await _vote(session, worker, found.argument, language)
    if found.command is Command.DEPOSIT:
        return await _deposit(session, worker, found.argument, language)
    if found.command is Command.SICK:
        return await benefit_flow.sick(session, worker, found.argument, language, context.now)
    if found.command is Command.BETTER:
        return await benefit_flow.better(session, worker, found.argument, language, context.now)
    return say("unknown", "sms.unknown_command", language)  # YES or NO out of context


async def _join(session: AsyncSession, phone: str, worker: Worker | None, found: Read) -> Reply:
    code = found.argument.split()[0] if found.argument.split() else ""
    guessed = language_of_word(found.word, language_for_phone(phone))
    if not code:
        return say(
            "JOIN",
            "sms.join_ask_code",
            language_of(worker, phone) if worker else guessed or language_of(None, phone),
        )
    try:
        # A stranger becomes a worker only if the join succeeds: no half-made accounts.
        async with session.begin_nested():
            member = worker or await _new_worker(session, phone, guessed)
            _, pool, created = await join_pool(session, member, code, welcome_by_sms=False)
    except JoinCodeNotFound:
        shown = code.upper()[: len(WORST_JOIN_CODE)]
        language = language_of(worker, phone) if worker else guessed or language_of(None, phone)
        return say("JOIN", "sms.join_code_unknown", language, code=shown)
    except MembershipSuspended:
        return say_problem("JOIN", "membership-suspended", language_of(worker, phone))
    language = language_of(member, phone, pool)
    if not created:
        return say("JOIN", "sms.already_member", language, pool_name=pool.name)
    return say("JOIN", "pool.welcome", language, pool_name=pool.name)


async def _lang(session: AsyncSession, worker: Worker, argument: str, language: str) -> Reply:
    choice = parse_choice(argument)
    try:
        if choice is not None:
            if not 1 <= choice <= len(SUPPORTED_LANGUAGES):
                raise UnsupportedLanguage(f"no language {choice} in the list")
            tag = SUPPORTED_LANGUAGES[choice - 1]
        else:
            tag = parse_language_choice(argument)
    except UnsupportedLanguage:
        return say("LANG", "sms.language_list", language, languages=LANGUAGE_LIST)
    await update_profile(session, worker, language=tag, confirm_by_sms=False)
    return say("LANG", "account.language_changed", tag)


async def _why(session: AsyncSession, worker: Worker, argument: str, language: str) -> Reply:
    token = argument.split()[0] if argument.split() else ""
    if money_views.REFERENCE.match(token):
        decision = await repository.decision_by_reference(session, worker.id, token)
    else:
        decision = await money_views.nth_decision(session, worker.id, parse_choice(token) or 1)
    if decision is None:
        return say("WHY", "sms.no_decision", language)
    return say("WHY", "decision.explanation", language, **explanation_values(decision))


async def _appeal(session: AsyncSession, worker: Worker, argument: str, language: str) -> Reply:
    first, _, rest = argument.strip().partition(" ")
    if money_views.REFERENCE.match(first):
        decision = await repository.decision_by_reference(session, worker.id, first)
        reason = rest
    else:
        if not argument.strip():
            return say("APPEAL", "sms.appeal_ask", language)
        decision = await money_views.nth_decision(session, worker.id, 1)
        reason = argument
    if decision is None:
        return say("APPEAL", "sms.no_decision", language)
    try:
        appeal, _ = await file_appeal(session, worker, decision.id, reason[:1000], "sms")
    except AppealWindowClosed:
        return say_problem("APPEAL", "appeal-window-closed", language)
    return say("APPEAL", "appeal.received", language, reference=appeal.reference, days=APPEAL_DAYS)


async def _vote(session: AsyncSession, worker: Worker, argument: str, language: str) -> Reply:
    """`VOTE YES`, `VOTE P-4KQ2M NO`: the newest open vote, or the one named."""
    first, _, rest = argument.strip().partition(" ")
    reference = first if PROPOSAL_REFERENCE.match(first) else None
    answer = match_keyword(rest if reference else argument, language)
    try:
        proposal = await votes_service.find_for_worker(session, worker.id, reference=reference)
    except votes_service.ProposalNotFound:
        return say("VOTE", "sms.vote_none", language)
    if answer is None or answer.command not in (Command.YES, Command.NO):
        return say("VOTE", "sms.vote_ask", language, reference=proposal.reference)
    choice: votes_service.Choice = "yes" if answer.command is Command.YES else "no"
    try:
        await votes_service.cast_vote(session, worker.id, proposal, choice, "sms")
    except (votes_service.VoteClosed, votes_service.ProposalNotFound):
        return say("VOTE", "sms.vote_none", language)
    return say("VOTE", "sms.vote_counted", language, choice=choice, reference=proposal.reference)


async def _deposit(session: AsyncSession, worker: Worker, argument: str, language: str) -> Reply:
    """`DEPOSIT uber` / `DEPOSIT NO`: the answer about the newest deposit nothing recognised,
    kept for its payer (the same `decide_deposit` as the API)."""
    waiting = await bank_repository.deposits_page(session, worker.id, "unreviewed", None, 1)
    if not waiting:
        return say("DEPOSIT", "sms.deposit_none", language)
    deposit = waiting[0]
    payer = payer_label(deposit.counterparty_key)
    answer = match_keyword(argument, language)
    if answer is not None and answer.command is Command.NO:
        await decide_deposit(session, worker.id, deposit.id, None)
        return say("DEPOSIT", "sms.deposit_not_income", language, payer=payer)
    try:
        platform = parse_platform(argument.split()[0] if argument.split() else "")
    except UnknownPlatform:
        return say(
            "DEPOSIT", "bank.deposit_ask", language,
            amount=Money(deposit.amount_minor, deposit.currency), payer=payer,
        )  # fmt: skip
    await decide_deposit(session, worker.id, deposit.id, platform)
    return say(
        "DEPOSIT", "sms.deposit_income", language, payer=payer, platform=PLATFORM_NAMES[platform]
    )
