"""A local Plaid: Link tokens, item exchange, Transactions Sync with cursors, pages and the
mutation-during-pagination error, item removal, signed webhooks and their verification key.

Requests and responses follow Plaid's API reference closely enough for `plaid-python` to
deserialise every response with its own type checks on. Its bank data comes from
`fakes.plaid.bank_data`: platform payouts cut from the synthetic income generator, with the
descriptions banks show, mixed with spending, refunds, person-to-person money and transfers
between the worker's own accounts. Endpoints under `/fake/` are not Plaid's: tests and
`mutua plaid fake` use them to add transactions, break a login or arm a mid-pagination
change.
"""

from fakes.plaid.app import FakePlaid, create_fake_plaid_app

__all__ = ["FakePlaid", "create_fake_plaid_app"]
