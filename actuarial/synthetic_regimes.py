"""A second generator of multi-platform income, built on other assumptions than `synthetic`.

The income model's checks must not be tuned to one generator, so this one shares none of
`synthetic`'s mechanisms and only its output type (`SyntheticPopulation`):

- **Regimes, not spells per platform.** Each worker moves between three work regimes
  (full-time, part-time, away) by a monthly Markov chain; the regime sets how much they work
  on every platform at once, so their platforms go quiet together.
- **Platform exits and entries.** A worker holds a set of platforms that changes: each
  month a platform is left for good with a small hazard and a new one is taken up with
  another; `synthetic` keeps each worker on fixed platforms with on/off spells.
- **Weekly earnings paid on the platform's payday.** Work is generated week by week, and
  each week's earnings are paid on the platform's weekday in the following week; a month
  holds four or five paydays, so income shifts across month ends by the calendar alone.
- **Milestone payments** on freelance platforms: a week's work is paid or not (about one
  week in three), in lumps.
- **A few very high earners**: 3% of workers earn 4-15 times the typical level (a Pareto
  tail), the rest a lognormal spread.
- **One economy-wide factor and fee changes**, not per-platform AR(1) shocks: every platform
  loads on one AR(1) factor with its own loading, and a platform's pay may step up or down
  once for good (a fee change) at a random month.
- **Calendar effects** are a December bump and a January dip for everyone, not seasons per
  platform family.
- **Joins** are spread evenly over the window (40% were there before it opens), not
  concentrated in recent months.

Pure numpy, deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actuarial.platforms import PLATFORM_FAMILY
from actuarial.synthetic import FloatArray, SyntheticPopulation, resolve_platforms

REGIME_MOVES = np.array(
    [
        [0.95, 0.04, 0.01],  # full-time -> full, part, away
        [0.08, 0.88, 0.04],  # part-time
        [0.08, 0.12, 0.80],  # away
    ]
)
REGIME_WORK = np.array([1.0, 0.55, 0.0])
"""Share of a full-time week's earnings in each regime."""
EXIT_HAZARD = 0.02
ENTRY_HAZARD = 0.015
HIGH_EARNER_SHARE = 0.03


def generate_regime_population(
    n_workers: int,
    n_months: int,
    platforms: Sequence[str] | int | None = None,
    seed: int = 0,
    start_month: str = "2024-01",
) -> SyntheticPopulation:
    """`n_workers` workers' monthly income on `platforms` over `n_months` months.

    `platforms` as in `synthetic.generate_population` (names, a count, or None for all).
    """
    if n_workers < 1 or n_months < 1:
        raise ValueError("n_workers and n_months must be positive")
    names = resolve_platforms(platforms)
    n_p = len(names)
    rng = np.random.default_rng([seed, 2718])

    # Calendar: month starts and each platform's weekly paydays, in days from the start.
    start = np.datetime64(start_month, "M")
    month_days = (start + np.arange(n_months + 1)).astype("datetime64[D]")
    days = (month_days - month_days[0]).astype(np.int64)
    n_weeks = int(days[-1] // 7) + 1
    payday = rng.integers(0, 7, size=n_p)  # weekday offset of each platform's payday
    work_day = 7 * np.arange(n_weeks)  # first day of each work week
    pay_day = work_day[None, :] + 7 + payday[:, None]  # paid in the following week
    work_month = np.searchsorted(days, work_day, side="right") - 1  # (W,)
    pay_month = np.searchsorted(days, pay_day, side="right") - 1  # (P, W); n_months = later

    # Who and when: joins spread over the window; typical weekly level; a few top earners.
    before = rng.random(n_workers) < 0.4
    first = np.where(before, 0, rng.integers(0, n_months, size=n_workers))
    level = np.exp(rng.normal(np.log(330.0), 0.55, size=n_workers))
    top = rng.random(n_workers) < HIGH_EARNER_SHARE
    level[top] *= np.minimum(4.0 * (1.0 - rng.random(top.sum())) ** (-1.0 / 1.6), 15.0)

    regime = _regimes(rng, n_workers, n_months, first)
    member = _memberships(rng, n_workers, n_p, n_months, first)

    # Economy-wide AR(1) factor, platform loadings, one-off fee changes, calendar effects.
    factor = np.zeros(n_months)
    for t in range(1, n_months):
        factor[t] = 0.8 * factor[t - 1] + 0.05 * rng.standard_normal()
    loading = rng.uniform(0.5, 1.5, size=n_p)
    step_month = np.where(rng.random(n_p) < 0.3, rng.integers(1, n_months, size=n_p), n_months)
    step_size = rng.normal(0.0, 0.15, size=n_p)
    steps = np.where(np.arange(n_months)[None, :] >= step_month[:, None], step_size[:, None], 0)
    moy = (start.astype(np.int64) + np.arange(n_months)) % 12
    calendar = np.where(moy == 11, 0.12, np.where(moy == 0, -0.10, 0.0))
    shocks = loading[:, None] * factor[None, :] + steps  # (P, T) log effect, the truth
    plat_level = np.exp(rng.normal(0.0, 0.25, size=n_p))

    freelance = np.array([PLATFORM_FAMILY[p] == "freelance" for p in names])
    amounts = np.zeros((n_workers, n_p, n_months))
    for p in range(n_p):
        m = work_month  # (W,)
        base = (
            level[:, None]
            * plat_level[p]
            * REGIME_WORK[regime[:, m]]
            * member[:, p, m]
            * np.exp(shocks[p, m] + calendar[m])[None, :]
        )
        noise = rng.gamma(16.0, 1.0 / 16.0, size=base.shape)  # week-to-week hours
        if freelance[p]:
            paid = rng.random(base.shape) < 0.33
            noise = np.where(paid, np.exp(rng.normal(0.0, 0.8, size=base.shape)) / 0.33, 0.0)
        else:
            noise *= rng.random(base.shape) > 0.04  # a week off now and then
        weekly = base * noise
        into = pay_month[p]
        inside = into < n_months
        np.add.at(amounts[:, p, :].T, into[inside], weekly[:, inside].T)
    before_join = np.arange(n_months)[None, :] < first[:, None]
    amounts[np.broadcast_to(before_join[:, None, :], amounts.shape)] = 0.0
    amounts = np.round(amounts, 2)
    _first_month_has_income(rng, amounts, first, level)
    return SyntheticPopulation(
        amounts=amounts,
        first_month=first.astype(np.int64),
        platforms=names,
        start_month=start_month,
        worker_ids=tuple(f"r{seed}-{i:06d}" for i in range(n_workers)),
        shocks=shocks,
    )


def _regimes(rng: np.random.Generator, n: int, n_months: int, first: np.ndarray) -> np.ndarray:
    """(n, T) regime index per worker and month; a worker starts full- or part-time."""
    state = np.where(rng.random(n) < 0.7, 0, 1)
    out = np.empty((n, n_months), dtype=np.int64)
    cum = REGIME_MOVES.cumsum(axis=1)
    for t in range(n_months):
        joining = first == t
        state = np.where(joining, np.where(rng.random(n) < 0.7, 0, 1), state)
        out[:, t] = state
        u = rng.random(n)
        state = (u[:, None] > cum[state]).sum(axis=1)
    return out


def _memberships(
    rng: np.random.Generator, n: int, n_p: int, n_months: int, first: np.ndarray
) -> FloatArray:
    """(n, P, T) 1 where the worker holds the platform; exits are for good."""
    popularity = 1.0 / np.arange(1, n_p + 1) ** 0.8
    popularity /= popularity.sum()
    held = np.zeros((n, n_p), dtype=bool)
    left = np.zeros((n, n_p), dtype=bool)
    out = np.zeros((n, n_p, n_months))
    for t in range(n_months):
        joining = first == t
        if joining.any():
            k = np.minimum(rng.geometric(0.6, size=joining.sum()), n_p)
            for row, count in zip(np.flatnonzero(joining), k, strict=True):
                held[row, rng.choice(n_p, size=count, replace=False, p=popularity)] = True
        if t > 0:
            leave = held & (rng.random((n, n_p)) < EXIT_HAZARD)
            left |= leave
            held &= ~leave
            wants = rng.random(n) < ENTRY_HAZARD
            pick = rng.choice(n_p, size=n, p=popularity)
            ok = wants & ~left[np.arange(n), pick] & (first < t)
            held[np.flatnonzero(ok), pick[ok]] = True
            # A worker who left everything comes back on one platform, as people do.
            empty = ~held.any(axis=1) & (first < t) & (rng.random(n) < 0.1)
            held[np.flatnonzero(empty), pick[empty]] = True
        out[:, :, t] = held
    return out


def _first_month_has_income(
    rng: np.random.Generator, amounts: FloatArray, first: np.ndarray, level: FloatArray
) -> None:
    """A worker's history starts with a month of income (that is when Mutua learns of them):
    where the generated first month is empty, their main platform pays a week or two."""
    rows = np.arange(amounts.shape[0])
    empty = amounts[rows, :, first].sum(axis=1) <= 0
    main = amounts.sum(axis=2).argmax(axis=1)
    weeks = rng.integers(1, 3, size=rows.size)
    fill = np.round(level * weeks * rng.gamma(6.0, 1.0 / 6.0, size=rows.size), 2)
    amounts[rows[empty], main[empty], first[empty]] = fill[empty]
