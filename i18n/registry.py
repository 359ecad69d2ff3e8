"""Every worker-facing message Mutua sends: its id, its values, and its SMS budget.

This module is the source of truth the catalogs are extracted from (`make i18n-extract`
reads the `msg`/`plural_msg` calls) and that the checks iterate. Each template lists the
values it takes and the worst case each can take, so CI can prove that every message, in
every language, fits its segment budget with the longest values real data can hold.

Worst-case choices, documented once:
- Amounts: 999,999,999 minor units, i.e. 9,999,999.99 in a two-decimal currency (999,999,999
  in VND), rendered in every currency in `POOL_CURRENCIES`, so the longest symbol or code
  (`MX$`, `CN¥`, `ج.م.`) is covered in every language.
- Pool names: 60 characters (`pools.name` is `String(60)`), of GSM-7 letters.
- Counts that pick a plural form: every plural form of the language, each with the largest
  count in the value's range that takes that form.
- Codes (payout reasons, decision factors): every code of the set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from core.money import Money
from core.periods import Period

ValueKind = Literal["money", "period", "int", "percent", "str", "date", "choice"]
Value = Money | Period | int | str | date


@dataclass(frozen=True, slots=True)
class Message:
    """A catalog entry: context (the template id), English text, English plural if any."""

    context: str
    singular: str
    plural: str | None = None


def msg(context: str, text: str) -> Message:
    """Mark a message for extraction (`pybabel extract -k msg:1c,2`)."""
    return Message(context, text)


def plural_msg(context: str, singular: str, plural: str) -> Message:
    """Mark a message with plural forms for extraction (`-k plural_msg:1c,2,3`)."""
    return Message(context, singular, plural)


POOL_NAME_MAX = 60
"""Longest pool name the schema allows (`pools.name` is `String(60)`)."""

WORST_AMOUNT_MINOR = 999_999_999
POOL_CURRENCIES: tuple[str, ...] = (
    "USD", "EUR", "MXN", "COP", "BRL", "HTG", "PHP", "VND",
    "CNY", "INR", "BDT", "KES", "TZS", "EGP", "XOF",
)  # fmt: skip
"""Currencies Mutua's pools are set up in; budgets hold for each of them."""

USSD_GSM7_MAX = 182
"""Characters a USSD screen holds in GSM-7 (160 octets of 7-bit characters)."""
USSD_UCS2_MAX = 80
"""The same 160 octets in UCS-2: 80 UTF-16 code units."""
WORST_JOIN_CODE = "K7QX2M9PK7QX2M9P"
"""A join code as long as `pools.join_code` holds, as a worker may mistype one back."""
PLATFORM_LIST = (
    "uber, lyft, doordash, ubereats, instacart, grubhub, upwork, fiverr, taskrabbit, etsy, other"
)
LANGUAGE_LIST = (
    "1 English, 2 Español, 3 Português, 4 Français, 5 Kreyòl, 6 Filipino, 7 Tiếng Việt, "
    "8 中文, 9 العربية, 10 हिन्दी, 11 বাংলা, 12 Kiswahili"
)
USSD_LANGUAGE_PAGE = "1 English\n2 Español\n3 Português\n4 Français\n5 Kreyòl\n6 Filipino\n0 >>"
WORST_POOL_NAME = "Cooperativa de Trabajadoras y Trabajadores Independientes SM"
WORST_PERIOD = Period(2026, 9)  # "septiembre", "Septemba", "সেপ্টেম্বর": long month names


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """One value a template takes.

    `worst` holds the candidates the budget check renders (money values are rendered in
    every pool currency instead). `low`/`high` bound an integer count that picks a plural
    form; the check renders each form with the largest count of that form in range.
    """

    kind: ValueKind
    worst: tuple[Value, ...] = ()
    low: int = 0
    high: int = 0
    choices: str | None = None


def money() -> ValueSpec:
    return ValueSpec("money")


def text(*worst: str) -> ValueSpec:
    return ValueSpec("str", worst)


def count(low: int, high: int) -> ValueSpec:
    return ValueSpec("int", low=low, high=high)


PERIOD = ValueSpec("period", (WORST_PERIOD,))
PERCENT = ValueSpec("percent", (100, 999))


def choice(name: str) -> ValueSpec:
    return ValueSpec("choice", choices=name)


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    message: Message
    values: dict[str, ValueSpec] = field(default_factory=dict)
    count: str | None = None
    """The value whose number picks the plural form, for a plural message."""
    budget: int = 1
    """Most SMS segments the message may take, with worst-case values, in a GSM-7 language."""
    ucs2_budget: int | None = None
    """The same for languages written in UCS-2 (70 characters a segment); default `budget`."""
    ussd: bool = False
    """A USSD screen: judged against `USSD_GSM7_MAX` / `USSD_UCS2_MAX` characters instead of
    SMS segments, because a USSD reply is one screen or nothing."""

    def budget_for(self, gsm7_language: bool) -> int:
        return self.budget if gsm7_language or self.ucs2_budget is None else self.ucs2_budget


# Codes whose text is translated and slotted into a template (payout.sent's reason,
# decision.explanation's factors). The code is what the rest of Mutua stores.
CHOICES: dict[str, dict[str, Message]] = {
    "payout.reason": {
        "shortfall": msg("payout.reason", "your income was below your usual"),
        "reserve_short": msg("payout.reason", "reduced as the pool reserve is low"),
        "appeal_upheld": msg("payout.reason", "your appeal was upheld"),
    },
    "vote.choice": {
        "yes": msg("vote.choice", "YES"),
        "no": msg("vote.choice", "NO"),
    },
    "appeal.reason": {
        "rules_applied": msg("appeal.reason", "the pool's rules were applied correctly"),
        "income_as_reported": msg("appeal.reason", "it used the income you reported"),
        "outside_rules": msg("appeal.reason", "what you ask is outside the pool's rules"),
        "reserve_shared": msg("appeal.reason", "the reserve was shared fairly by all"),
    },
    "benefit.reason": {
        "qualifying_period": msg("benefit.reason", "you were not a member long enough yet"),
        "not_approved": msg("benefit.reason", "the co-op found it outside the rules"),
        "members_declined": msg("benefit.reason", "the members did not approve it"),
    },
    "decision.factor": {
        "income_drop": msg("decision.factor", "your income fell"),
        "seasonal_low": msg("decision.factor", "this month is usually slow"),
        "short_history": msg("decision.factor", "little income history yet"),
        "income_volatile": msg("decision.factor", "your income varies a lot"),
        "reserve_low": msg("decision.factor", "the pool reserve is low"),
        "savings_on_track": msg("decision.factor", "your savings are on track"),
        "waiting_period": msg("decision.factor", "you are in your waiting period"),
        "max_payout_months": msg("decision.factor", "you had the most payout months"),
        "no_income_reported": msg("decision.factor", "no income was reported"),
        "report_income": msg("decision.factor", "report income to get payouts"),
        "contribution_share": msg("decision.factor", "it is a share of your income"),
        "minimum_contribution": msg("decision.factor", "the pool minimum applies"),
        "maximum_contribution": msg("decision.factor", "the pool maximum applies"),
        "catchup_instalment": msg("decision.factor", "a deferred part is due"),
        "arrears_owed": msg("decision.factor", "you owed an earlier amount"),
        "low_savings": msg("decision.factor", "your savings were short"),
        "same_rate_for_all": msg("decision.factor", "every member pays the same rate"),
        "paid_from_savings": msg("decision.factor", "it was paid from your savings"),
        "appeal_changed": msg("decision.factor", "your appeal changed it"),
        "benefit_approved": msg("decision.factor", "your claim was approved"),
        "benefit_declined": msg("decision.factor", "your claim was not approved"),
        "qualifying_period": msg("decision.factor", "you were a member too short a time"),
        "benefit_days": msg("decision.factor", "it pays your days on leave"),
        "benefit_maximum": msg("decision.factor", "the longest time is now paid"),
        "on_benefit": msg("decision.factor", "you were on leave pay"),
        "members_decided": msg("decision.factor", "the members decided it"),
        "claim_outside_rules": msg("decision.factor", "it was outside the rules"),
        "contribution_waived": msg("decision.factor", "no contribution is due on leave"),
    },
}


# What a worker reads about a bank link, by the link's state (`banks.models.ITEM_STATUSES`).
BANK_STATUS: dict[str, Message] = {
    "active": msg("bank.status", "Connected: your platform payouts are read from this bank"),
    "login_required": msg(
        "bank.status", "Reconnect your bank: it asks you to sign in again before we can read it"
    ),
    "removed": msg("bank.status", "Disconnected: income already read from it stays"),
}


class Command(StrEnum):
    """What a worker can ask for by SMS; the value is the English keyword."""

    JOIN = "JOIN"
    INCOME = "INCOME"
    BALANCE = "BALANCE"
    SAVE = "SAVE"
    WHY = "WHY"
    APPEAL = "APPEAL"
    LANG = "LANG"
    HELP = "HELP"
    STOP = "STOP"
    START = "START"
    YES = "YES"
    NO = "NO"
    VOTE = "VOTE"
    DEPOSIT = "DEPOSIT"
    SICK = "SICK"
    BETTER = "BETTER"


# Each catalog translates a keyword into its local words, comma-separated, the one the
# messages use first. The English word is always understood too.
KEYWORDS: dict[Command, Message] = {
    Command.JOIN: msg("keyword", "JOIN"),
    Command.INCOME: msg("keyword", "INCOME"),
    Command.BALANCE: msg("keyword", "BALANCE"),
    Command.SAVE: msg("keyword", "SAVE"),
    Command.WHY: msg("keyword", "WHY"),
    Command.APPEAL: msg("keyword", "APPEAL"),
    Command.LANG: msg("keyword", "LANG"),
    Command.HELP: msg("keyword", "HELP"),
    Command.STOP: msg("keyword", "STOP"),
    Command.START: msg("keyword", "START"),
    Command.YES: msg("keyword", "YES"),
    Command.NO: msg("keyword", "NO"),
    Command.VOTE: msg("keyword", "VOTE"),
    Command.DEPOSIT: msg("keyword", "DEPOSIT"),
    Command.SICK: msg("keyword", "SICK"),
    Command.BETTER: msg("keyword", "BETTER"),
}

# The heading of each RFC 9457 problem the API answers with, by its `type` slug. The
# context names the slug, so two problems that share an English title can still part ways
# in a language that needs it. Titles take no values. The English text is the `title` of
# the error class (or of the API's generic problem) and a test holds the two together.
PROBLEM_TITLES: dict[str, Message] = {
    message.context.removeprefix("problem."): message
    for message in (
        msg("problem.error", "Request failed"),
        msg("problem.http-error", "Request failed"),
        msg("problem.bad-request", "The request could not be read"),
        msg("problem.malformed-json", "The body is not valid JSON"),
        msg("problem.json-too-deep", "The JSON body is nested too deeply"),
        msg("problem.control-characters", "The request contains control characters"),
        msg("problem.validation-failed", "The request is not valid"),
        msg("problem.unauthorized", "Sign-in required"),
        msg("problem.forbidden", "Not allowed"),
        msg("problem.not-found", "Not found"),
        msg("problem.method-not-allowed", "Method not allowed"),
        msg("problem.conflict", "Conflict"),
        msg("problem.body-too-large", "The request body is too large"),
        msg("problem.unsupported-media-type", "Unsupported media type"),
        msg("problem.rate-limited", "Too many requests"),
        msg("problem.internal-error", "Something went wrong on our side"),
        msg("problem.not-ready", "The database is not reachable"),
        msg("problem.invalid-idempotency-key", "The Idempotency-Key header is not valid"),
        msg(
            "problem.idempotency-key-reused",
            "This Idempotency-Key was used for a different request",
        ),
        msg(
            "problem.idempotency-request-in-flight",
            "A request with this Idempotency-Key is still being processed",
        ),
        msg("problem.invalid-amount", "The amount is not valid"),
        msg("problem.unknown-currency", "The currency is not a known ISO 4217 code"),
        msg("problem.invalid-period", "The month is not valid"),
        msg("problem.invalid-period-range", "The month range is not valid"),
        msg("problem.invalid-cursor", "The page cursor is not valid"),
        msg("problem.invalid-phone", "The phone number is not valid"),
        msg("problem.unsupported-language", "The language is not supported"),
        msg("problem.invalid-code", "The sign-in code is wrong or has expired"),
        msg("problem.too-many-attempts", "Too many wrong codes; ask for a new one"),
        msg(
            "problem.sms-opted-out",
            "This phone has stopped our texts; text START to get them again",
        ),
        msg("problem.too-many-codes", "Too many sign-in codes for this phone; try again later"),
        msg(
            "problem.too-many-codes-from-address",
            "Too many sign-in codes asked for from this network; try again later",
        ),
        msg(
            "problem.sign-in-busy",
            "We are sending too many sign-in codes right now; try again soon",
        ),
        msg("problem.phone-not-textable", "We do not send texts to this kind of number"),
        msg("problem.invalid-credentials", "Email or password is wrong"),
        msg("problem.too-many-login-attempts", "Too many sign-in attempts; try again later"),
        msg("problem.administrator-not-found", "No administrator has that email"),
        msg("problem.join-code-not-found", "No pool has that join code"),
        msg("problem.membership-suspended", "Your membership of this pool is suspended"),
        msg("problem.invalid-timezone", "The time zone is not a known IANA zone"),
        msg("problem.invalid-name", "The name is not valid"),
        msg("problem.weak-password", "The password is too short"),
        msg("problem.invalid-pool-rules", "The pool's rules are not valid"),
        msg(
            "problem.pool-rules-required",
            "The pool's amount rules must be given for this currency",
        ),
        msg("problem.unknown-platform", "The platform is not a known one"),
        msg("problem.invalid-csv", "The CSV statement was rejected"),
        msg("problem.currency-not-in-pools", "The currency is not one your pools use"),
        msg("problem.currency-required", "Say which currency the statement is in"),
        msg(
            "problem.income-record-not-editable",
            "This income was imported and cannot be changed here",
        ),
        msg("problem.ledger-error", "The ledger refused the transfer"),
        msg("problem.invalid-transfer", "The transfer is not valid"),
        msg(
            "problem.currency-mismatch",
            "The transfer and its accounts are not in the same currency",
        ),
        msg("problem.insufficient-funds", "The account does not hold enough money"),
        msg("problem.account-not-found", "The ledger account does not exist"),
        msg("problem.transfer-not-found", "The transfer does not exist"),
        msg("problem.transfer-id-conflict", "A different transfer was already posted with this id"),
        msg("problem.already-reversed", "The transfer has already been reversed"),
        msg("problem.period-not-closed", "The month is not over yet"),
        msg("problem.run-in-progress", "The month's run is in progress"),
        msg("problem.earlier-run-unfinished", "An earlier month's run has not finished"),
        msg("problem.no-plan-yet", "There is no plan for this month yet"),
        msg("problem.run-not-found", "The run does not exist"),
        msg("problem.decision-not-found", "The decision does not exist"),
        msg("problem.bank-link-off", "Bank linking is not available on this server"),
        msg("problem.appeal-not-found", "The appeal does not exist"),
        msg("problem.proposal-not-found", "The proposal does not exist"),
        msg("problem.vote-closed", "The vote on this proposal is closed"),
        msg("problem.no-recommendation", "The last run recommended no rate change"),
        msg("problem.appeal-already-decided", "The appeal was already decided"),
        msg("problem.appeal-change-refused", "This decision cannot be changed that way"),
        msg("problem.appeal-window-closed", "The time to appeal this decision is over"),
        msg(
            "problem.bank-unreachable",
            "The bank connection service did not answer; try again shortly",
        ),
        msg("problem.bank-link-refused", "The bank connection was refused"),
        msg("problem.bank-item-not-found", "No such bank link"),
        msg("problem.deposit-not-found", "No such deposit"),
        msg("problem.deposit-already-decided", "This deposit was already recognised"),
        msg("problem.invalid-benefit-rules", "The benefit's rules are not valid"),
        msg("problem.benefit-not-offered", "The pool does not offer this benefit"),
        msg("problem.benefit-tier-not-chosen", "Choose a tier of this benefit first"),
        msg("problem.benefit-claim-open", "A claim of yours is already open"),
        msg("problem.benefit-claim-not-found", "The claim does not exist"),
        msg("problem.benefit-claim-decided", "The claim was already decided"),
        msg("problem.benefit-evidence-required", "This benefit needs evidence with the claim"),
        msg("problem.invalid-claim-date", "The claim's date is not valid"),
        msg(
            "problem.benefit-approved-by-administrators",
            "This claim is decided by the pool's administrators",
        ),
        msg(
            "problem.webhook-signature-invalid",
            "The webhook's Plaid-Verification signature is not valid",
        ),
    )
}

_TEMPLATES: tuple[Template, ...] = (
    Template(
        "auth.sign_in_code",
        plural_msg(
            "auth.sign_in_code",
            "Your Mutua code is {code}. It expires in {minutes} minute. Never share it.",
            "Your Mutua code is {code}. It expires in {minutes} minutes. Never share it.",
        ),
        {"code": text("999999"), "minutes": count(1, 60)},
        count="minutes",
    ),
    Template(
        "pool.welcome",
        msg(
            "pool.welcome",
            "Welcome to {pool_name} on Mutua! Text BALANCE to see your savings or HELP "
            "for all commands.",
        ),
        {"pool_name": text(WORST_POOL_NAME)},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "pool.left",
        msg(
            "pool.left",
            "You have left {pool_name} on Mutua. Your savings stay yours. To come back, text "
            "JOIN and the pool code.",
        ),
        {"pool_name": text(WORST_POOL_NAME)},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "account.language_changed",
        msg(
            "account.language_changed",
            "Mutua will now text you in English. To change, text LANG and a code, e.g. LANG es.",
        ),
    ),
    Template(
        "sms.help",
        msg(
            "sms.help",
            "Mutua: text INCOME and an amount to report income, BALANCE for savings, SAVE "
            "for your target, WHY for the last decision, APPEAL to appeal, LANG to change "
            "language. STOP ends texts. Help: {support}",
        ),
        {"support": text("+1 800 555 0100 x123")},
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "sms.stopped",
        msg("sms.stopped", "You will get no more texts from Mutua. Text START to turn them on."),
    ),
    Template(
        "sms.started",
        msg("sms.started", "Mutua texts are back on. Text HELP for commands or STOP to stop."),
    ),
    Template(
        "sms.unknown_command",
        msg("sms.unknown_command", "Sorry, we did not understand. Text HELP to see the commands."),
    ),
    Template(
        "statement.monthly",
        msg(
            "statement.monthly",
            "Mutua {period}: contribution {contribution}. Savings {savings_balance} of "
            "{savings_target} target ({progress_percent}). Text WHY for details.",
        ),
        {
            "period": PERIOD,
            "contribution": money(),
            "savings_balance": money(),
            "savings_target": money(),
            "progress_percent": PERCENT,
        },
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "payout.sent",
        msg(
            "payout.sent",
            "Mutua sent you {amount} for {period}: {reason}. Text WHY for details.",
        ),
        {"amount": money(), "period": PERIOD, "reason": choice("payout.reason")},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "contribution.relief",
        plural_msg(
            "contribution.relief",
            "Low month: your {period} contribution is cut to {amount}. {deferred} is "
            "deferred and caught up over {months} month.",
            "Low month: your {period} contribution is cut to {amount}. {deferred} is "
            "deferred and caught up over {months} months.",
        ),
        {"period": PERIOD, "amount": money(), "deferred": money(), "months": count(1, 12)},
        count="months",
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "contribution.skipped",
        plural_msg(
            "contribution.skipped",
            "Low month: no contribution for {period}. {deferred} is deferred and caught up "
            "over {months} month.",
            "Low month: no contribution for {period}. {deferred} is deferred and caught up "
            "over {months} months.",
        ),
        {"period": PERIOD, "deferred": money(), "months": count(1, 12)},
        count="months",
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "forecast.low_month_warning",
        msg(
            "forecast.low_month_warning",
            "Mutua: {period} may be a slow month. We expect about {forecast}. Your savings "
            "and the pool are there to help.",
        ),
        {"period": PERIOD, "forecast": money()},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "forecast.low_month_guidance",
        msg(
            "forecast.low_month_guidance",
            "Mutua: {period} may be a slow month. We expect about {forecast}. Setting "
            "aside {set_aside} now would cover the gap.",
        ),
        {"period": PERIOD, "forecast": money(), "set_aside": money()},
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "income.reminder",
        msg(
            "income.reminder",
            "Mutua: we have no income for {period} yet. Please add it so your savings and "
            "payouts stay right.",
        ),
        {"period": PERIOD},
    ),
    Template(
        "decision.explanation",
        msg(
            "decision.explanation",
            "Why ({period}): 1) {factor_1}. 2) {factor_2}. Disagree? Text APPEAL {reference}.",
        ),
        {
            "period": PERIOD,
            "factor_1": choice("decision.factor"),
            "factor_2": choice("decision.factor"),
            "reference": text("D-9Z9Z9Z9Z"),
        },
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "appeal.received",
        plural_msg(
            "appeal.received",
            "We got your appeal {reference}. A co-op member will reply within {days} day.",
            "We got your appeal {reference}. A co-op member will reply within {days} days.",
        ),
        {"reference": text("D-9Z9Z9Z9Z"), "days": count(1, 30)},
        count="days",
    ),
    Template(
        "vote.opened",
        plural_msg(
            "vote.opened",
            "Your co-op proposes new rules ({reference}). See what they change on the web, then "
            "text VOTE YES or VOTE NO within {days} day.",
            "Your co-op proposes new rules ({reference}). See what they change on the web, then "
            "text VOTE YES or VOTE NO within {days} days.",
        ),
        {"reference": text("P-ZZZZZ"), "days": count(1, 60)},
        count="days",
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "vote.accepted",
        msg("vote.accepted", "The vote {reference} passed: the new rules apply from next month."),
        {"reference": text("P-ZZZZZ")},
        ucs2_budget=2,
    ),
    Template(
        "vote.rejected",
        msg("vote.rejected", "The vote {reference} did not pass: the rules stay as they are."),
        {"reference": text("P-ZZZZZ")},
        ucs2_budget=2,
    ),
    Template(
        "vote.no_quorum",
        msg("vote.no_quorum", "Too few members voted on {reference}: the rules stay as they are."),
        {"reference": text("P-ZZZZZ")},
        ucs2_budget=2,
    ),
    Template(
        "appeal.upheld",
        msg(
            "appeal.upheld",
            "Your appeal {reference} was reviewed: the decision stands, as {reason}. Text WHY "
            "for details.",
        ),
        {"reference": text("D-9Z9Z9Z9Z"), "reason": choice("appeal.reason")},
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "appeal.changed",
        msg(
            "appeal.changed",
            "Your appeal {reference} was accepted: the amount is now {amount}, not {previous}. "
            "Your balance is corrected.",
        ),
        {"reference": text("D-9Z9Z9Z9Z"), "amount": money(), "previous": money()},
        budget=2,
        ucs2_budget=3,
    ),
    # The SMS conversation (channels/): replies to what a worker texted.
    Template(
        "sms.join_ask_code",
        msg("sms.join_ask_code", "To join, text JOIN and your pool's code, e.g. JOIN K7QX2M9P."),
    ),
    Template(
        "sms.join_code_unknown",
        msg(
            "sms.join_code_unknown",
            "No pool has the code {code}. Check it, then text JOIN and the code again.",
        ),
        {"code": text(WORST_JOIN_CODE)},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.already_member",
        msg(
            "sms.already_member",
            "You are already a member of {pool_name}. Text BALANCE to see your savings.",
        ),
        {"pool_name": text(WORST_POOL_NAME)},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.not_a_member",
        msg(
            "sms.not_a_member",
            "You are not in a Mutua pool yet. Text JOIN and your pool's code, or HELP.",
        ),
    ),
    Template(
        "sms.rate_limited",
        msg("sms.rate_limited", "You have sent many texts. Please wait an hour, then try again."),
    ),
    Template(
        "income.ask_amount",
        msg(
            "income.ask_amount",
            "How much did you earn? Text INCOME, the amount and the platform, e.g. "
            "INCOME 450 Uber.",
        ),
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "income.ask_platform",
        msg("income.ask_platform", "Which platform was {amount} from? Reply one of: {platforms}."),
        {"amount": money(), "platforms": text(PLATFORM_LIST)},
        budget=1,
        ucs2_budget=3,
    ),
    Template(
        "income.ask_month",
        msg(
            "income.ask_month",
            "Which month was {amount} on {platform} for? Reply 1 for {current} or 2 for "
            "{previous}.",
        ),
        {"amount": money(), "platform": text("TaskRabbit"), "current": PERIOD, "previous": PERIOD},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "income.confirm",
        msg(
            "income.confirm", "{platform} {amount} for {period}? Reply YES to save or NO to cancel."
        ),
        {"platform": text("TaskRabbit"), "amount": money(), "period": PERIOD},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "income.saved",
        msg(
            "income.saved",
            "Saved: {platform} {amount} for {period}. Text BALANCE to see your savings.",
        ),
        {"platform": text("TaskRabbit"), "amount": money(), "period": PERIOD},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "income.cancelled",
        msg("income.cancelled", "Nothing was saved. Text INCOME and the amount to start again."),
    ),
    Template(
        "income.bad_amount",
        msg(
            "income.bad_amount",
            "We could not read that amount. Text INCOME and a number, e.g. INCOME 450 Uber.",
        ),
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "income.refused",
        msg(
            "income.refused",
            "Mutua could not save {amount} for {period}. Check the amount and the month, then "
            "text INCOME again.",
        ),
        {"amount": money(), "period": PERIOD},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.balance",
        msg(
            "sms.balance",
            "Savings {savings}. Contributions paid {paid}. Owed {owed}. Text SAVE for your target.",
        ),
        {"savings": money(), "paid": money(), "owed": money()},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.target",
        msg(
            "sms.target",
            "Savings target {target}: you have {balance} ({progress}). Set aside {set_aside} "
            "this month.",
        ),
        {"target": money(), "balance": money(), "progress": PERCENT, "set_aside": money()},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.no_plan",
        msg(
            "sms.no_plan",
            "Your target comes after your pool's first monthly run. Text BALANCE for your savings.",
        ),
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.no_decision",
        msg(
            "sms.no_decision",
            "There is no decision to explain yet. It comes after your pool's monthly run.",
        ),
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.appeal_ask",
        msg("sms.appeal_ask", "Tell us why you disagree: text APPEAL and your reason."),
    ),
    Template(
        "sms.vote_counted",
        msg(
            "sms.vote_counted",
            "Your vote {choice} on {reference} is counted. Text VOTE again to change it before "
            "the vote closes.",
        ),
        {"choice": choice("vote.choice"), "reference": text("P-ZZZZZ")},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.vote_ask",
        msg("sms.vote_ask", "To vote on {reference}, text VOTE YES or VOTE NO."),
        {"reference": text("P-ZZZZZ")},
    ),
    Template(
        "bank.deposit_ask",
        msg(
            "bank.deposit_ask",
            "{amount} came in from {payer}. Was it pay from a platform? Reply DEPOSIT and its "
            "name (DEPOSIT uber), or DEPOSIT NO.",
        ),
        {"amount": money(), "payer": text("ZELLE FROM MARIA GUADALUPE LOPEZ")},
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "sms.deposit_income",
        msg("sms.deposit_income", "Thanks: money from {payer} now counts as {platform} income."),
        {"payer": text("ZELLE FROM MARIA GUADALUPE LOPEZ"), "platform": text("TaskRabbit")},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.deposit_not_income",
        msg("sms.deposit_not_income", "Thanks: money from {payer} is not counted as income."),
        {"payer": text("ZELLE FROM MARIA GUADALUPE LOPEZ")},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.deposit_none",
        msg("sms.deposit_none", "No deposit from your bank is waiting for an answer."),
    ),
    Template("sms.vote_none", msg("sms.vote_none", "There is no open vote in your pools now.")),
    Template(
        "benefit.approved",
        msg(
            "benefit.approved",
            "Your claim {reference} is approved: {amount} a month, paid by the monthly run "
            "after the waiting days. Text BETTER when you are back at work.",
        ),
        {"reference": text("C-ZZZZZZ"), "amount": money()},
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "benefit.refused",
        msg(
            "benefit.refused",
            "Your claim was not approved: {reason}. To appeal, text APPEAL {reference}.",
        ),
        {"reason": choice("benefit.reason"), "reference": text("D-9Z9Z9Z9Z")},
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "benefit.paid",
        msg("benefit.paid", "Your leave pay for {period}, {amount}, is in your savings."),
        {"period": PERIOD, "amount": money()},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "benefit.approval_ask",
        msg(
            "benefit.approval_ask",
            "A member of {pool_name} asks for leave pay ({reference}). Approve it or not on "
            "Mutua's web page.",
        ),
        {"pool_name": text(WORST_POOL_NAME), "reference": text("C-ZZZZZZ")},
        budget=2,
        ucs2_budget=3,
    ),
    Template(
        "sms.benefit_claimed",
        msg(
            "sms.benefit_claimed",
            "We got your claim {reference}. You will hear when it is decided. Text BETTER "
            "when you are back at work.",
        ),
        {"reference": text("C-ZZZZZZ")},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.benefit_ended",
        msg(
            "sms.benefit_ended",
            "Welcome back! Claim {reference} ends; the monthly run pays the days before.",
        ),
        {"reference": text("C-ZZZZZZ")},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.benefit_open",
        msg(
            "sms.benefit_open",
            "Your claim {reference} is already open. Text BETTER when you are back at work.",
        ),
        {"reference": text("C-ZZZZZZ")},
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.benefit_none",
        msg("sms.benefit_none", "You have no open claim."),
    ),
    Template(
        "sms.benefit_unavailable",
        msg(
            "sms.benefit_unavailable",
            "Your pool has no sick-leave pay, or you have not chosen its tier on Mutua's web page.",
        ),
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.benefit_date",
        msg(
            "sms.benefit_date",
            "Send the date as in SICK 2026-12-03 (the first day ill) or BETTER 2026-12-10 "
            "(the first day back).",
        ),
        budget=1,
        ucs2_budget=2,
    ),
    Template(
        "sms.language_list",
        msg("sms.language_list", "Text LANG and a number: {languages}"),
        {"languages": text(LANGUAGE_LIST)},
        budget=3,
        ucs2_budget=3,
    ),
    # USSD screens (channels/ussd.py): one screen each, `USSD_*_MAX` characters at most.
    Template(
        "ussd.menu",
        msg(
            "ussd.menu",
            "Mutua\n1 Balance\n2 Savings target\n3 Report income\n4 Last payout, why\n"
            "5 Language\n6 Join a pool",
        ),
        ussd=True,
    ),
    Template("ussd.ask_code", msg("ussd.ask_code", "Enter your pool's join code:"), ussd=True),
    Template(
        "ussd.joined",
        msg("ussd.joined", "Welcome to Mutua! Dial again to see your savings."),
        ussd=True,
    ),
    Template(
        "ussd.code_unknown",
        msg("ussd.code_unknown", "No pool has that code. Check it and dial again."),
        ussd=True,
    ),
    Template(
        "ussd.balance",
        msg("ussd.balance", "Savings {savings}\nPaid {paid}\nOwed {owed}"),
        {"savings": money(), "paid": money(), "owed": money()},
        ussd=True,
    ),
    Template(
        "ussd.target",
        msg("ussd.target", "Target {target}\nSaved {balance}\nSet aside {set_aside}"),
        {"target": money(), "balance": money(), "set_aside": money()},
        ussd=True,
    ),
    Template(
        "ussd.nothing_yet",
        msg("ussd.nothing_yet", "Nothing yet: this comes after your pool's monthly run."),
        ussd=True,
    ),
    Template("ussd.ask_amount", msg("ussd.ask_amount", "Amount earned:"), ussd=True),
    Template("ussd.ask_platform", msg("ussd.ask_platform", "Platform (e.g. Uber):"), ussd=True),
    Template(
        "ussd.ask_month",
        msg("ussd.ask_month", "Month:\n1 {current}\n2 {previous}"),
        {"current": PERIOD, "previous": PERIOD},
        ussd=True,
    ),
    Template(
        "ussd.confirm",
        msg("ussd.confirm", "{platform} {amount}, {period}?\n1 Yes\n2 No"),
        {"platform": text("TaskRabbit"), "amount": money(), "period": PERIOD},
        ussd=True,
    ),
    Template(
        "ussd.saved",
        msg("ussd.saved", "Saved: {platform} {amount}, {period}."),
        {"platform": text("TaskRabbit"), "amount": money(), "period": PERIOD},
        ussd=True,
    ),
    Template("ussd.not_saved", msg("ussd.not_saved", "Nothing was saved."), ussd=True),
    Template(
        "ussd.invalid", msg("ussd.invalid", "That is not a valid answer. Dial again."), ussd=True
    ),
    Template(
        "ussd.rate_limited",
        msg(
            "ussd.rate_limited",
            "You have used this menu many times. Please wait an hour, then dial again.",
        ),
        ussd=True,
    ),
    Template(
        "ussd.payout",
        msg("ussd.payout", "Payout {period}: {amount}\n{factor}"),
        {"period": PERIOD, "amount": money(), "factor": choice("decision.factor")},
        ussd=True,
    ),
    Template(
        "ussd.language",
        msg("ussd.language", "Language:\n{languages}"),
        {"languages": text(USSD_LANGUAGE_PAGE)},
        ussd=True,
    ),
    Template(
        "ussd.language_changed",
        msg("ussd.language_changed", "Mutua will now speak English with you."),
        ussd=True,
    ),
)

TEMPLATES: dict[str, Template] = {template.id: template for template in _TEMPLATES}


def all_messages() -> list[Message]:
    """Every catalog entry: templates, choice texts, keywords, problem titles, page texts."""
    messages = [template.message for template in _TEMPLATES]
    for codes in CHOICES.values():
        messages.extend(codes.values())
    messages.extend(KEYWORDS.values())
    messages.extend(PROBLEM_TITLES.values())
    messages.extend(BANK_STATUS.values())
    from i18n.pages import PAGE_TEXTS  # imported here: the page texts import this module

    messages.extend(PAGE_TEXTS.values())
    return messages
