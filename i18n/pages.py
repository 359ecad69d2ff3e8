"""Every text the web pages show, by a short key, for the catalogs.

Pages are read, not texted, so these entries have no SMS budget; they live here, beside the
registry, because `make i18n-extract` reads this directory and `python -m i18n check` holds
every entry to the same rules (complete in all twelve languages, same placeholders). A page
asks for `text("home.title", language)`; an unknown key is a bug and raises `KeyError`.
"""

from __future__ import annotations

from i18n.languages import normalize_language
from i18n.registry import Message, msg
from i18n.render import translate

PAGE_TEXTS: dict[str, Message] = {
    message.context.removeprefix("page."): message
    for message in (
        # Layout and front page
        msg("page.site.tagline", "Income smoothing for independent workers"),
        msg("page.nav.home", "Home"),
        msg("page.nav.income", "Income"),
        msg("page.nav.decisions", "Decisions"),
        msg("page.nav.data", "My data"),
        msg("page.nav.pools", "Pools"),
        msg("page.nav.sign_out", "Sign out"),
        msg("page.nav.language", "Language"),
        msg("page.nav.change", "Change"),
        msg("page.index.title", "Save for slow months, together"),
        msg(
            "page.index.lead",
            "Join your co-op, report what you earn, and get a savings target and help "
            "in low months.",
        ),
        msg("page.index.worker", "Sign in with your phone"),
        msg("page.index.admin", "Sign in as a co-op administrator"),
        # Sign-in
        msg("page.signin.title", "Sign in"),
        msg("page.signin.phone", "Phone number, with country code"),
        msg("page.signin.send", "Text me a code"),
        msg("page.signin.code_title", "Enter your code"),
        msg("page.signin.code_sent", "We texted a 6-digit code to {phone}."),
        msg("page.signin.code", "Sign-in code"),
        msg("page.signin.submit", "Sign in"),
        msg("page.signin.again", "Send a new code"),
        msg("page.signin.admin_title", "Administrator sign-in"),
        msg("page.signin.email", "Email"),
        msg("page.signin.password", "Password"),
        # Joining
        msg("page.join.title", "Join your co-op"),
        msg("page.join.code", "Pool join code"),
        msg("page.join.name", "Your name"),
        msg("page.join.language", "Language for texts and pages"),
        msg("page.join.submit", "Join"),
        msg("page.join.joined", "You are a member of {pool}."),
        # Worker home
        msg("page.home.title", "Your month"),
        msg("page.home.hello", "Hello, {name}"),
        msg("page.home.period", "Plan for {period}"),
        msg("page.home.income", "Income reported"),
        msg("page.home.no_income", "No income reported"),
        msg("page.home.contribution", "Contribution taken"),
        msg("page.home.owed", "Still owed"),
        msg("page.home.savings", "Savings"),
        msg("page.home.savings_of", "{balance} of your {target} target"),
        msg("page.home.forecast", "Your income, next 6 months"),
        msg(
            "page.home.forecast_note",
            "The band is the likely range: 1 month in 10 falls below it, 1 in 10 above. "
            "The line is the middle estimate.",
        ),
        msg("page.home.month", "Month"),
        msg("page.home.low", "Low"),
        msg("page.home.middle", "Middle"),
        msg("page.home.high", "High"),
        msg("page.home.payouts", "Payouts and relief"),
        msg("page.home.messages", "Texts we sent you"),
        msg("page.home.nothing", "Nothing yet."),
        msg("page.home.no_plan", "Your first plan comes after your co-op's next monthly run."),
        msg("page.home.no_pool", "You are not in a pool yet."),
        # Income
        msg("page.income.title", "Report income"),
        msg("page.income.month", "Month"),
        msg("page.income.platform", "Platform"),
        msg("page.income.amount", "Amount ({currency})"),
        msg("page.income.save", "Save"),
        msg("page.income.saved", "Saved {amount} for {period}."),
        msg("page.income.csv_title", "Upload a statement (CSV)"),
        msg(
            "page.income.csv_help",
            "Columns date,platform,amount. One bad row rejects the whole file.",
        ),
        msg("page.income.upload", "Upload"),
        msg("page.income.imported", "Rows added: {added}. Already known: {known}."),
        msg("page.income.row", "Row"),
        msg("page.income.error", "Problem"),
        msg("page.income.history", "Your income by month"),
        msg("page.income.total", "All platforms"),
        msg("page.income.currency", "Currency"),
        msg("page.platform.other", "Other"),
        msg("page.csv.empty-file", "The file is empty."),
        msg("page.csv.encoding", "The file is not UTF-8 text."),
        msg("page.csv.too-large", "The file is too large."),
        msg("page.csv.too-many-rows", "The file has too many rows."),
        msg("page.csv.no-rows", "The file has a header but no rows."),
        msg("page.csv.malformed", "This line is not valid CSV."),
        msg(
            "page.csv.unexpected-column",
            "Name each column once: date, platform, amount.",
        ),
        msg("page.csv.missing-column", "Name each column once: date, platform, amount."),
        msg(
            "page.csv.duplicate-column",
            "Name each column once: date, platform, amount.",
        ),
        msg("page.csv.wrong-field-count", "This row does not have 3 values."),
        msg("page.csv.missing-value", "A value is missing in this row."),
        msg("page.csv.invalid-date", "The date is not a date like 2026-11-03."),
        msg("page.csv.future-date", "The date is in the future."),
        msg("page.csv.unknown-platform", "The platform is not a known one."),
        msg("page.csv.negative-amount", "The amount is negative."),
        msg("page.csv.invalid-amount", "The amount is not a number like 123.45."),
        msg("page.csv.too-many-decimals", "The amount has too many decimals."),
        msg("page.csv.amount-out-of-range", "The amount is too large."),
        msg("page.csv.above-monthly-ceiling", "Too much for one month on one platform."),
        # Decisions and data
        msg("page.decisions.title", "Decisions about your money"),
        msg("page.decisions.what", "What"),
        msg("page.decisions.amount", "Amount"),
        msg("page.decisions.why", "Why"),
        msg("page.decisions.more", "Older decisions"),
        msg("page.kind.contribution", "Contribution"),
        msg("page.kind.relief", "Relief"),
        msg("page.kind.catchup", "Catch-up"),
        msg("page.kind.arrears_settlement", "Arrears settled"),
        msg("page.kind.payout", "Payout"),
        msg("page.kind.payout_refused", "No payout"),
        msg("page.data.title", "My data"),
        msg(
            "page.data.lead",
            "Download everything Mutua keeps about you: profile, memberships, income, "
            "ledger and texts.",
        ),
        msg("page.data.json", "Download as JSON"),
        msg("page.data.csv", "Download as CSV"),
        # Administrators
        msg("page.pools.title", "Your pools"),
        msg("page.pools.name", "Pool"),
        msg("page.pools.reserve", "Reserve"),
        msg("page.pools.members", "Members"),
        msg("page.pools.ruin", "Ruin probability"),
        msg("page.pools.last_run", "Last run"),
        msg("page.pools.none", "No pools yet."),
        msg("page.health.title", "Pool health"),
        msg("page.health.reserve", "Reserve now"),
        msg("page.health.ruin", "Ruin probability in 12 months"),
        msg("page.health.ruin_value", "{value} ± {error}, target {target}"),
        msg("page.health.rate", "Contribution rate"),
        msg("page.health.solved", "Rate that meets the target"),
        msg("page.health.recommend", "Recommendation: change the rate to {rate}."),
        msg("page.health.fan", "Reserve, next 12 months"),
        msg(
            "page.health.fan_note",
            "The dark band holds half of the simulated paths, the light one nine in ten; "
            "the line is the median.",
        ),
        msg("page.health.flows", "Contributions and payouts, last 12 months"),
        msg("page.health.contributions", "Contributions"),
        msg("page.health.payouts", "Payouts"),
        msg("page.health.arrears", "Arrears"),
        msg("page.health.in_arrears", "Members in arrears"),
        msg("page.health.waiting", "Members in their waiting period"),
        msg("page.health.runs", "Monthly runs"),
        msg("page.health.start", "Run {period}"),
        msg("page.health.period", "Month"),
        msg("page.health.status", "Status"),
        msg("page.health.progress", "{done} of {total} members"),
        msg("page.health.step", "Step"),
        msg("page.health.no_run", "No monthly run has finished yet."),
        msg("page.health.members_link", "Members"),
        msg("page.status.running", "Running"),
        msg("page.status.succeeded", "Done"),
        msg("page.status.failed", "Failed"),
        msg("page.step.close", "Closing income"),
        msg("page.step.model", "Updating the model"),
        msg("page.step.plans", "Member plans"),
        msg("page.step.solvency", "Pool solvency"),
        msg("page.step.contributions", "Contributions"),
        msg("page.step.payouts", "Payouts"),
        msg("page.step.done", "Finished"),
        msg("page.members.title", "Members"),
        msg("page.members.search", "Search by name or phone"),
        msg("page.members.find", "Search"),
        msg("page.members.name", "Name"),
        msg("page.members.phone", "Phone"),
        msg("page.members.status", "Status"),
        msg("page.members.joined", "Joined"),
        msg("page.members.income_3", "Income, last 3 months"),
        msg("page.members.owed", "Owed"),
        msg("page.members.next", "Next page"),
        msg("page.members.none", "No member matches."),
        msg("page.member_status.active", "Active"),
        msg("page.member_status.suspended", "Suspended"),
        msg("page.member_status.left", "Left"),
        msg("page.member.title", "Member"),
        msg("page.member.income", "Income by month"),
        msg("page.member.decisions", "Decisions"),
        # Errors
        msg("page.error.not_found", "This page does not exist."),
        msg("page.error.forbidden", "This page is not for your account."),
        msg("page.error.other", "Something went wrong. Please try again."),
        msg("page.error.back", "Back to the start"),
    )
}


def page_text(key: str, language: str, **values: str) -> str:
    """The page text `key` in a supported language, with its values (already formatted)."""
    text = translate(PAGE_TEXTS[key], normalize_language(language))
    return text.format_map(values) if values else text
