"""A worker links banks through the API; payouts become income by platform and month."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from banks.models import BankDeposit, BankItem
from fakes.plaid.bank_data import IdMaker, transfer_between
from income.models import IncomeRecord
from tests.api.conftest import Serve
from tests.banks.conftest import RunningFake, bank_api


def _truth_by_month(transactions: list) -> dict[tuple[str, str], int]:  # type: ignore[type-arg]
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for txn in transactions:
        if txn.truth not in {"spending", "transfer", "not_income"}:
            sums[(txn.truth, txn.day.strftime("%Y-%m"))] += round(-txn.amount * 100)
    return dict(sums)


async def _income_by_month(bank, worker_phone: str | None = None) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    async with bank.live.db() as session:
        rows = (
            await session.scalars(select(IncomeRecord).where(IncomeRecord.kind == "plaid"))
        ).all()
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        sums[(row.platform, row.period)] += row.amount_minor
    return dict(sums)


async def test_a_first_sync_of_two_years_turns_payouts_into_income_by_platform_and_month(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        item = await bank.link(seed=11)
        assert item["status"] == "active" and item["institution"] == "First Platypus Bank"
        synced = (await bank.items())[0]
        assert {a["subtype"] for a in synced["accounts"]} == {"checking", "savings"}
        async with bank.live.db() as session:
            stored = (await session.scalars(select(BankItem))).one()
        fake_item = bank.plaid.item(stored.plaid_item_id)
        assert fake_item.access_token not in stored.access_token_sealed  # sealed at rest
        months = {t.day.strftime("%Y-%m") for t in fake_item.bank.transactions}
        assert len(months) >= 24
        assert await _income_by_month(bank) == _truth_by_month(fake_item.bank.transactions)
        kinds = {d["classification"] for d in await bank.deposits()}
        assert "platform" in kinds and "unreviewed" not in {
            d["classification"] for d in await bank.deposits() if d["platform"]
        }
        async with bank.live.client() as client:
            income = await client.get("/v1/me/income", headers=bank.headers)
        assert income.status_code == 200 and income.json()["items"]


async def test_new_modified_and_removed_transactions_arrive_by_signed_webhook(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        await bank.link(seed=12)
        async with bank.live.db() as session:
            stored = (await session.scalars(select(BankItem))).one()
        fake_item = bank.plaid.item(stored.plaid_item_id)
        payouts = [
            t
            for t in fake_item.bank.transactions
            if t.truth not in {"spending", "transfer", "not_income"}
        ]
        changed, gone = payouts[0], payouts[1]
        before = stored.last_synced_at.isoformat()
        fake = bank.plaid.fake
        fake.modify(fake_item, changed.transaction_id, amount=-123.45)
        fake.remove(fake_item, gone.transaction_id)
        [new] = fake.add_transactions(fake_item, 1, day=date.today(), platform="lyft")
        status = await fake.send_webhook(fake_item)
        assert status == 200
        await bank.wait_synced(str(stored.id), after=before)
        async with bank.live.db() as session:
            records = {
                r.external_id: r
                for r in (
                    await session.scalars(select(IncomeRecord).where(IncomeRecord.kind == "plaid"))
                ).all()
            }
        assert records[changed.transaction_id].amount_minor == 12345
        assert gone.transaction_id not in records
        assert records[new.transaction_id].platform == "lyft"
        assert await _income_by_month(bank) == _truth_by_month(fake_item.bank.transactions)


async def test_a_change_during_pagination_restarts_the_update_from_the_saved_cursor(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    from banks.service import BankLink
    from banks.sync import sync_item

    async with bank_api(serve, fake_plaid) as bank:
        await bank.link(seed=13)
        async with bank.live.db() as session:
            stored = (await session.scalars(select(BankItem))).one()
        fake_item = bank.plaid.item(stored.plaid_item_id)
        fake_plaid.fake.add_transactions(fake_item, 120, day=date.today(), platform="doordash")
        fake_item.mutate_after_page = True
        link = BankLink(_settings(bank, fake_plaid))
        assert link.gateway is not None and link.sealer is not None
        link.gateway.page_size = 25  # several pages, so a change can land between two
        result = await sync_item(bank.live.db, link.gateway, link.sealer, stored.id)
        assert result.outcome == "synced" and result.restarts == 1
        assert result.added == 121  # the 120 and the one added mid-pagination, each once
        assert await _income_by_month(bank) == _truth_by_month(fake_item.bank.transactions)
        again = await sync_item(bank.live.db, link.gateway, link.sealer, stored.id)
        assert (again.added, again.modified, again.removed) == (0, 0, 0)


def _settings(bank, fake_plaid):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from core.settings import Settings
    from tests.api.conftest import SECRET

    async_url = bank.live.db.kw["bind"].url.render_as_string(hide_password=False)
    return replace(Settings(database_url=async_url, secret_key=SECRET), plaid=fake_plaid.settings())


async def test_two_banks_and_a_transfer_between_them_is_not_income(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        first = await bank.link(seed=14, institution="ins_109508")
        second = await bank.link(seed=15, institution="ins_109511")
        assert len(await bank.items()) == 2
        async with bank.live.db() as session:
            stored = {i.id: i for i in (await session.scalars(select(BankItem))).all()}
        item_a = bank.plaid.item(stored[__import__("uuid").UUID(first["id"])].plaid_item_id)
        item_b = bank.plaid.item(stored[__import__("uuid").UUID(second["id"])].plaid_item_id)
        out, into = transfer_between(item_a.bank, item_b.bank, 300.0, date.today(), IdMaker("t"))
        item_a.record("added", out)
        item_b.record("added", into)
        before = max(i.last_synced_at for i in stored.values()).isoformat()
        await bank.plaid.fake.send_webhook(item_b)
        await bank.wait_synced(second["id"], after=before)
        async with bank.live.db() as session:
            deposit = await session.scalar(
                select(BankDeposit).where(BankDeposit.transaction_id == into.transaction_id)
            )
        assert deposit is not None and deposit.classification == "transfer"
        assert deposit.income_record_id is None
        truth = _truth_by_month(item_a.bank.transactions)
        for key, value in _truth_by_month(item_b.bank.transactions).items():
            truth[key] = truth.get(key, 0) + value
        assert await _income_by_month(bank) == truth


async def test_an_unrecognised_deposit_is_asked_about_once_and_the_answer_is_remembered(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        await bank.link(seed=16)
        async with bank.live.db() as session:
            stored = (await session.scalars(select(BankItem))).one()
        fake_item = bank.plaid.item(stored.plaid_item_id)
        from fakes.plaid.bank_data import FakeTransaction

        def cash(day: date) -> FakeTransaction:
            account = fake_item.bank.accounts[0].account_id
            txn = FakeTransaction(
                fake_item.ids(), account, -80.0, day, "ZELLE FROM ROSA ALVAREZ",
                None, None, "TRANSFER_IN_DEPOSIT", "taskrabbit",
            )  # fmt: skip
            fake_item.bank.transactions.append(txn)
            fake_item.record("added", txn)
            return txn

        first = cash(date.today())
        before = stored.last_synced_at.isoformat()
        await bank.plaid.fake.send_webhook(fake_item)
        await bank.wait_synced(str(stored.id), after=before)
        asked = [
            d
            for d in await bank.deposits("unreviewed")
            if d["counterparty"] == "ZELLE FROM ROSA ALVAREZ"
        ]
        assert len(asked) == 1
        async with bank.live.client() as client:
            answer = await client.post(
                f"/v1/me/plaid/deposits/{asked[0]['id']}",
                json={"is_income": True, "platform": "taskrabbit"},
                headers=bank.headers,
            )
            assert answer.status_code == 200, answer.text
            again = await client.post(
                f"/v1/me/plaid/deposits/{asked[0]['id']}",
                json={"is_income": False},
                headers=bank.headers,
            )
            assert again.status_code == 409
            assert again.json()["type"].endswith("/deposit-already-decided")
        second = cash(date.today())
        async with bank.live.db() as session:
            before = (await session.get(BankItem, stored.id)).last_synced_at.isoformat()  # type: ignore[union-attr]
        await bank.plaid.fake.send_webhook(fake_item)
        await bank.wait_synced(str(stored.id), after=before)
        async with bank.live.db() as session:
            ids = [first.transaction_id, second.transaction_id]
            made = (
                await session.scalars(select(IncomeRecord).where(IncomeRecord.external_id.in_(ids)))
            ).all()
            later = await session.scalar(
                select(BankDeposit).where(BankDeposit.transaction_id == second.transaction_id)
            )
        assert {r.platform for r in made} == {"taskrabbit"} and len(made) == 2
        assert later is not None and later.decided_by == "remembered"


async def test_a_bank_that_wants_its_login_again_asks_the_worker_to_reconnect(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid, phone="+34612345678") as bank:
        item = await bank.link(seed=17)
        async with bank.live.db() as session:
            stored = (await session.scalars(select(BankItem))).one()
        fake_item = bank.plaid.item(stored.plaid_item_id)
        fake_item.login_required = True
        await bank.plaid.fake.send_webhook(fake_item)
        found = await bank.wait_synced(item["id"], after=stored.last_synced_at.isoformat())
        assert found["status"] == "login_required" and found["action"] == "reconnect"
        assert found["status_text"].startswith("Vuelve a conectar")  # a Spanish number: Spanish
        async with bank.live.client() as client:
            update = await client.post(
                "/v1/me/plaid/link-token", json={"item_id": item["id"]}, headers=bank.headers
            )
            assert update.status_code == 200 and update.json()["link_token"].startswith("link-")
            fake_item.login_required = False  # the worker signed in again through Link
            fixed = await client.post(f"/v1/me/plaid/items/{item['id']}/sync", headers=bank.headers)
            assert fixed.status_code == 200 and fixed.json()["status"] == "active"


async def test_disconnecting_a_bank_removes_it_at_plaid_and_keeps_the_income(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        item = await bank.link(seed=18)
        before = await _income_by_month(bank)
        async with bank.live.db() as session:
            stored = (await session.scalars(select(BankItem))).one()
        async with bank.live.client() as client:
            gone = await client.delete(f"/v1/me/plaid/items/{item['id']}", headers=bank.headers)
            assert gone.status_code == 204
            again = await client.delete(f"/v1/me/plaid/items/{item['id']}", headers=bank.headers)
            assert again.status_code == 404
        assert stored.plaid_item_id not in bank.plaid.fake.state.items
        assert await bank.items() == []
        assert await _income_by_month(bank) == before and before
        async with bank.live.db() as session:
            removed = await session.get(BankItem, stored.id)
        assert removed is not None and removed.access_token_sealed == ""


async def test_without_plaid_credentials_the_bank_link_says_it_is_off(serve: Serve) -> None:
    async with serve() as live:
        headers = await live.worker_headers("+14155550177")
        async with live.client() as client:
            response = await client.post("/v1/me/plaid/link-token", json={}, headers=headers)
        assert response.status_code == 503
        assert response.json()["type"].endswith("/bank-link-off")


async def test_another_workers_bank_link_is_not_found(
    serve: Serve, fake_plaid: RunningFake
) -> None:
    async with bank_api(serve, fake_plaid) as bank:
        item = await bank.link(seed=19)
        other = await bank.live.worker_headers("+14155550188")
        async with bank.live.client() as client:
            for method, url in (
                ("DELETE", f"/v1/me/plaid/items/{item['id']}"),
                ("POST", f"/v1/me/plaid/items/{item['id']}/sync"),
            ):
                response = await client.request(method, url, headers=other)
                assert response.status_code == 404, (method, url, response.text)
            listed = await client.get("/v1/me/plaid/items", headers=other)
            assert listed.json() == []
            deposits = await client.get("/v1/me/plaid/deposits", headers=other)
            assert deposits.json()["items"] == []
        await asyncio.sleep(0)
