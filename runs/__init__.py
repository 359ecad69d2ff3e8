"""The monthly run: every member's plan, contribution and payout, posted exactly once.

Design in brief (each module says more):

- `runner`: a run per (pool, period) goes close → model → plans → solvency →
  contributions → payouts → done, recording its step on the `monthly_runs` row. Serial
  steps are held by a lease; the two posting steps are chunks of members claimed with
  `FOR UPDATE SKIP LOCKED`, each done in the transaction that marks it done.
- `inputs`: members and the period's income, closed at a moment fixed on the run.
- `fits`: which population fit to use (the pool's, the installation's, the shipped prior),
  refitted when older than the setting; a failed refit keeps the previous one.
- `planning`: forecast, baseline, savings target and set-aside, contribution with relief,
  catch-ups, payout due, vectorised over members (`member_plans`).
- `solvency`: ruin probability at the current rate, solved rate, fan chart (`pool_health`).
- `posting`: contributions (arrears settled first, what savings lack owed), payouts pro rata,
  a `decisions` row for every movement, messages in the member's language.
- `service` and `schemas`: what the API, the SMS channel and the pages read.
- `scheduler` and `reminders`: runs after each pool's cut-off, reminders before it.

Ids of transfers, decisions and messages derive from (pool, period, member, kind) (`ids`),
so replays, resumes and concurrent runners never move money or text anyone twice.

Importing this package is cheap; `runner`, `fits` and `planning` load the income model
(PyMC) and are imported where a run is actually started.
"""
