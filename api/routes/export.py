"""A worker's copy of everything Mutua keeps about them, as one JSON document.

A member of a co-op is owed their own records: to check them, to take them elsewhere, and
because data-protection laws (GDPR, LGPD, CCPA) give them the right. The export holds what
is stored, not what a page would show: the profile as saved (a language only if chosen),
every membership, every income record, every ledger account with its full history, every
money decision with what it was based on, and every text sent or queued to the phone.
Sign-in codes appear only as "[redacted]": a code still waiting to be sent is a live
credential, and the file may be kept carelessly.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import Controller, Response, get
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import CurrentWorker, DbSession, provide_worker
from api.responses import SIGNED_IN, problems
from api.routes.appeals import AppealOut, appeal_out
from api.routes.income import record_out
from api.routes.me import account_out, transfer_out
from api.routes.pools import membership_out
from api.schemas import AccountOut, IncomeRecordOut, MembershipOut, TransferOut
from api.security import SECURED
from appeals.repository import appeals_of_worker
from core.clock import utcnow
from i18n import DEFAULT_LANGUAGE
from income import service as income
from notifications.repository import REDACTED_BODY, SECRET_TEMPLATES, messages_to
from pools import ledger_queries, service
from pools.models import Worker
from runs import repository as runs_repository
from runs.schemas import DecisionOut
from runs.service import decision_out

EXPORT_DECISIONS_MAX = 100_000
"""More than any member can have (a few decisions a month), so the export holds them all."""


class ExportedWorker(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    phone: str
    name: str | None
    language: str | None
    """The language the worker chose; null when they never chose one."""
    timezone: str
    sms_opted_out: bool
    created_at: datetime


class ExportedLedger(msgspec.Struct, kw_only=True):
    accounts: list[AccountOut]
    transfers: list[TransferOut]
    """Every transfer into or out of the worker's accounts, oldest first."""


class ExportedMessage(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    template: str
    language: str
    body: str
    status: str
    created_at: datetime
    sent_at: datetime | None


class ExportOut(msgspec.Struct, kw_only=True):
    exported_at: datetime
    worker: ExportedWorker
    memberships: list[MembershipOut]
    income: list[IncomeRecordOut]
    ledger: ExportedLedger
    decisions: list[DecisionOut]
    """Every money decision about the worker, with its inputs, factors and model."""
    messages: list[ExportedMessage]
    appeals: list[AppealOut]


async def export_document(db_session: AsyncSession, worker: Worker) -> ExportOut:
    """Everything kept about the worker, as the API and the "My data" page both give it."""
    now = utcnow()
    accounts = await ledger_queries.accounts_for_worker(db_session, worker.id)
    transfers = await ledger_queries.transfers_of_accounts(
        db_session, [account.id for account in accounts]
    )
    records = await income.list_income(db_session, worker.id, from_period=None, to_period=None)
    document = ExportOut(
        exported_at=now,
        worker=ExportedWorker(
            id=worker.id,
            phone=worker.phone_e164,
            name=worker.name,
            language=worker.language,
            timezone=worker.timezone,
            sms_opted_out=worker.sms_opted_out,
            created_at=worker.created_at,
        ),
        memberships=[
            membership_out(member, pool)
            for member, pool in await service.memberships(db_session, worker.id)
        ],
        income=[record_out(record) for record in records.records],
        ledger=ExportedLedger(
            accounts=[account_out(account) for account in accounts],
            transfers=[transfer_out(transfer) for transfer in transfers],
        ),
        decisions=[
            decision_out(decision, worker.language or DEFAULT_LANGUAGE, full=True)
            for decision in await runs_repository.decisions_of(
                db_session, worker.id, limit=EXPORT_DECISIONS_MAX
            )
        ],
        messages=[
            ExportedMessage(
                id=message.id,
                template=message.template,
                language=message.language,
                body=REDACTED_BODY if message.template in SECRET_TEMPLATES else message.body,
                status=message.status,
                created_at=message.created_at,
                sent_at=message.sent_at,
            )
            for message in await messages_to(db_session, worker.phone_e164)
        ],
        appeals=[appeal_out(a) for a in await appeals_of_worker(db_session, worker.id)],
    )
    return document


class ExportController(Controller):
    path = "/v1/me/export"
    tags = ["me"]
    dependencies = {"worker": Provide(provide_worker)}
    security = SECURED

    @get(
        "/",
        summary="Everything Mutua keeps about the worker, as one JSON file",
        responses=problems(SIGNED_IN),
    )
    async def export(self, worker: CurrentWorker, db_session: DbSession) -> Response[ExportOut]:
        """A download (`Content-Disposition: attachment`) of the worker's profile,
        memberships, income records, ledger accounts with their full history, and the texts
        sent to their phone (sign-in codes redacted), and their appeals."""
        document = await export_document(db_session, worker)
        filename = f"mutua-data-{document.exported_at.date().isoformat()}.json"
        return Response(
            document, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
