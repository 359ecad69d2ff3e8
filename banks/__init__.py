"""Bank links through Plaid: linking, Transactions Sync, webhooks, and recognising income."""
