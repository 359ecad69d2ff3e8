"""The best non-Bayesian peer the income model is measured against: LightGBM quantile
regression on lag features of each worker's monthly total.

What a practitioner would build instead of a hierarchical model, given the same history:

- **features** at a forecast origin (the first month not seen): the worker's last six
  monthly totals (missing before their first month), means over the last 3 and 12 months,
  the spread of the last 12, the share of empty months, months since the last empty one,
  history length, platforms with income last month, the target's calendar month and the
  horizon;
- **training rows** from the history alone (no peeking past the cut): every origin from the
  seventh month on and every horizon whose target month is still inside the history;
- **one model per quantile** (5..95%), on log(1 + total) so that heavy tails do not
  dominate the loss (a quantile commutes with a monotone transform, so the back-transform is
  exact), one thread, fixed hyperparameters.

LightGBM is an optional dependency (the `dev` group): `lightgbm_quantiles` imports it only
when called.
"""

from __future__ import annotations

import warnings

import numpy as np

from actuarial.model import QUANTILES, IncomeHistory
from actuarial.model.data import FloatArray, month_index

LAGS = 6
PARAMS: dict[str, float | int | str] = {
    "objective": "quantile",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 200


def features(history: IncomeHistory, origin: int, horizon: int) -> FloatArray:
    """(n, F) features of every worker for forecasting month `origin + horizon - 1` from
    the months before `origin`."""
    totals = history.amounts[:, :, :origin].sum(axis=1)
    t = np.arange(origin)
    inside = t[None, :] >= history.first_month[:, None]
    masked = np.where(inside, totals, np.nan)
    lags = np.full((history.n_workers, LAGS), np.nan)
    k = min(LAGS, origin)
    lags[:, :k] = masked[:, origin - k :][:, ::-1]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no months yet
        last3 = np.nanmean(masked[:, -3:], axis=1)
        last12 = np.nanmean(masked[:, -12:], axis=1)
        sd12 = np.nanstd(masked[:, -12:], axis=1)
        zero_share = np.nanmean(np.where(inside, totals <= 0, np.nan), axis=1)
    empty = inside & (totals <= 0)
    last_empty = np.where(empty.any(axis=1), origin - 1 - np.argmax(empty[:, ::-1], axis=1), -1)
    since_empty = np.where(last_empty >= 0, origin - last_empty, origin + 12)
    length = np.maximum(origin - history.first_month, 0)
    platforms_now = (history.amounts[:, :, origin - 1] > 0).sum(axis=1)
    moy = (month_index(history.start_month) + origin + horizon - 1) % 12
    cols = [
        np.log1p(lags),
        np.log1p(last3),
        np.log1p(last12),
        np.log1p(sd12),
        zero_share,
        since_empty,
        length,
        platforms_now,
        np.full(history.n_workers, moy),
        np.full(history.n_workers, horizon),
    ]
    return np.column_stack(cols).astype(np.float64)


def training_rows(history: IncomeHistory, horizon: int) -> tuple[FloatArray, FloatArray]:
    """Features and log(1 + total) targets from rolling origins inside the history."""
    totals = history.amounts.sum(axis=1)
    xs, ys = [], []
    for origin in range(LAGS + 1, history.n_months):
        for h in range(1, horizon + 1):
            target = origin + h - 1
            if target >= history.n_months:
                break
            known = history.first_month < origin
            xs.append(features(history, origin, h)[known])
            ys.append(np.log1p(totals[known, target]))
    return np.concatenate(xs), np.concatenate(ys)


def lightgbm_quantiles(history: IncomeHistory, horizon: int, seed: int = 0) -> FloatArray:
    """(n, horizon, 7) forecast quantiles of every worker's monthly total."""
    import lightgbm as lgb

    x, y = training_rows(history, horizon)
    out = np.empty((history.n_workers, horizon, len(QUANTILES)))
    grid = [features(history, history.n_months, h) for h in range(1, horizon + 1)]
    for j, q in enumerate(QUANTILES):
        params = {**PARAMS, "alpha": q, "seed": seed}
        booster = lgb.train(params, lgb.Dataset(x, y), num_boost_round=ROUNDS)
        for h in range(horizon):
            out[:, h, j] = np.expm1(np.maximum(booster.predict(grid[h]), 0.0))
    out.sort(axis=2)  # separately fitted quantiles can cross
    return out
