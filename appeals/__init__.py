"""Appeals of money decisions: one function files them, whatever the channel.

A worker appeals a decision (the unit of explanation) by SMS (`APPEAL`), USSD, the API
(`POST /v1/me/decisions/{id}/appeal`) or the web, and every one of those calls
`appeals.service.file_appeal`, so the rules live once: the decision must be the worker's,
one appeal per decision (appealing again answers with the appeal already filed), a reason
of at most `APPEAL_TEXT_MAX` characters, and a deadline `APPEAL_DAYS` days out that the
confirmation (`appeal.received`) tells the worker. The pool's administrators read the
queue (`GET /v1/admin/pools/{id}/appeals`). Deciding an appeal (upheld or rejected, with
a corrective decision) is a later step; `status` and `history` are there for it.
"""

from appeals.service import APPEAL_DAYS, file_appeal, pool_appeals_page

__all__ = ["APPEAL_DAYS", "file_appeal", "pool_appeals_page"]
