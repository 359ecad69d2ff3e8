"""Generated multi-platform monthly income for tests, backtests and the demo.

A model is only as honest as the data it is checked on, so the generator reproduces what
makes gig income hard to forecast rather than what makes it easy:

- **On/off spells**: each worker-platform pair follows a two-state Markov chain (a worker who
  stopped driving last month probably still isn't driving), not independent zero months.
- **Drift**: each worker's earning level on each platform is a slow random walk.
- **Platform-wide downturns** lasting months: every platform carries an AR(1) shock shared by
  all its workers, partly shared with its family (ride-share, delivery, ...), plus episodes
  of 3-8 months in which earnings drop and workers drift away.
- **Lumpy freelance income**: on upwork and fiverr a month's income is the sum of a Poisson
  number of lognormal project payments, so even an active freelancer has empty months.
- **Seasonality** per platform family: December and summer peaks for ride-share, winter for
  delivery, summer for home services, November-December for craft sellers, dips in August
  and December for freelance work.
- **Many short histories**: about a third of workers were there before the window opens;
  the others joined during it, most of them recently.

Calibration (with the default parameters, over workers with at least 12 months of history;
`tests/actuarial/test_synthetic.py` holds the generator to these within a few points):

- **JPMorgan Chase Institute** (*Weathering Volatility*, 2015): 41% of households see their
  monthly income move by more than 30% month to month. Our reading of the statistic: the
  share of workers whose mean absolute month-to-month change in total income, as an arc
  percentage ``|x_t - x_{t-1}| / ((x_t + x_{t-1}) / 2)``, exceeds 30%
  (`monthly_change_share`). Generated: about 41%.
- **US Financial Diaries** (Morduch and Schneider, 2017): the average household's
  within-year coefficient of variation of monthly income is about 39%
  (`within_year_cv`: std / mean over the worker's last 12 months, averaged over workers).
  Generated: about 39%.

Everything is pure numpy and deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from actuarial.platforms import PLATFORM_FAMILY, PLATFORMS

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# When a caller asks for k platforms, take them in this order so that even 3 platforms span
# three different families (steady, weekly-paid and lumpy income).
_DIVERSE_ORDER: tuple[str, ...] = (
    "uber",
    "doordash",
    "upwork",
    "lyft",
    "instacart",
    "fiverr",
    "taskrabbit",
    "etsy",
    "ubereats",
    "grubhub",
    "other",
)

_POPULARITY: dict[str, float] = {
    "uber": 0.18,
    "lyft": 0.08,
    "doordash": 0.16,
    "ubereats": 0.09,
    "instacart": 0.09,
    "grubhub": 0.05,
    "upwork": 0.10,
    "fiverr": 0.06,
    "taskrabbit": 0.05,
    "etsy": 0.06,
    "other": 0.08,
}


@dataclass(frozen=True)
class _FamilyParams:
    log_level: float  # log of the median active-month income
    level_sd: float  # spread of that level across workers
    noise: float  # month-to-month log noise in active months
    stay: float  # mean P(active next month | active)
    enter: float  # mean P(active next month | inactive)
    season: tuple[float, ...]  # 12 log multipliers, January first
    lumpy: bool = False


_FAMILY_PARAMS: dict[str, _FamilyParams] = {
    "rideshare": _FamilyParams(
        7.25, 0.55, 0.13, 0.985, 0.30, (-0.12, -0.08, 0, 0, 0, 0.05, 0.07, 0.06, 0, 0, 0.05, 0.12)
    ),
    "delivery": _FamilyParams(
        6.80, 0.55, 0.14, 0.965, 0.30, (0.08, 0.05, 0, 0, 0, -0.06, -0.08, -0.08, 0, 0, 0.02, 0.10)
    ),
    "freelance": _FamilyParams(
        6.40,
        0.65,
        0.34,
        0.975,
        0.25,
        (0.05, 0, 0, 0, 0, 0, 0, -0.15, 0.05, 0, 0, -0.20),
        lumpy=True,
    ),
    "tasks": _FamilyParams(
        6.40, 0.55, 0.165, 0.955, 0.28, (-0.2, -0.15, 0, 0.05, 0.15, 0.2, 0.2, 0.15, 0, 0, 0, -0.2)
    ),
    "marketplace": _FamilyParams(
        5.90, 0.65, 0.175, 0.975, 0.30, (-0.2, -0.15, 0, 0, 0, 0, 0, 0, 0, 0.05, 0.30, 0.50)
    ),
    "other": _FamilyParams(6.20, 0.60, 0.165, 0.955, 0.28, (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.05)),
}


@dataclass(frozen=True)
class SyntheticPopulation:
    """Generated monthly income of a population of workers.

    `amounts[i, p, t]` is worker i's income on `platforms[p]` in month t (currency units,
    rounded to cents); zero when the worker had no income there that month, and always zero
    before the worker's first month `first_month[i]` (an index into the months).
    """

    amounts: FloatArray
    """(n_workers, n_platforms, n_months) income per worker, platform and month."""
    first_month: IntArray
    """(n_workers,) index of each worker's first month; the history runs from there."""
    platforms: tuple[str, ...]
    start_month: str
    """The first month of the window, ``YYYY-MM``."""
    worker_ids: tuple[str, ...]
    shocks: FloatArray
    """(n_platforms, n_months) the platform-wide log shocks that were applied (truth)."""

    @property
    def n_workers(self) -> int:
        return int(self.amounts.shape[0])

    @property
    def n_months(self) -> int:
        return int(self.amounts.shape[2])

    @property
    def months(self) -> list[str]:
        """Labels ``YYYY-MM`` of the months, in order."""
        return month_labels(self.start_month, self.n_months)

    def totals(self) -> FloatArray:
        """(n_workers, n_months) total income per month across platforms."""
        return np.asarray(self.amounts.sum(axis=1), dtype=np.float64)

    def history_lengths(self) -> IntArray:
        """(n_workers,) months from each worker's first month to the end of the window."""
        return np.asarray(self.n_months - self.first_month, dtype=np.int64)

    def truncate(self, n_months: int) -> SyntheticPopulation:
        """The same population seen only through its first `n_months` months.

        Workers who had not joined by then are dropped, so the result is what Mutua would
        have known at that time; the months after are the held-out truth for backtests.
        """
        keep = self.first_month < n_months
        return SyntheticPopulation(
            amounts=self.amounts[keep, :, :n_months].copy(),
            first_month=self.first_month[keep].copy(),
            platforms=self.platforms,
            start_month=self.start_month,
            worker_ids=tuple(w for w, k in zip(self.worker_ids, keep, strict=True) if k),
            shocks=self.shocks[:, :n_months].copy(),
        )

    def subset(self, rows: IntArray) -> SyntheticPopulation:
        """The population restricted to the given worker rows (in that order)."""
        return SyntheticPopulation(
            amounts=self.amounts[rows],
            first_month=self.first_month[rows],
            platforms=self.platforms,
            start_month=self.start_month,
            worker_ids=tuple(self.worker_ids[int(r)] for r in rows),
            shocks=self.shocks,
        )

    def rows(self) -> Iterator[tuple[str, str, str, float]]:
        """``(worker_id, platform, month, amount)`` for every month with income.

        This is the shape of a history CSV; months without a row are zero income.
        """
        labels = self.months
        idx = np.argwhere(self.amounts > 0)
        for i, p, t in idx:
            yield (
                self.worker_ids[int(i)],
                self.platforms[int(p)],
                labels[int(t)],
                float(self.amounts[i, p, t]),
            )


def month_labels(start_month: str, n_months: int) -> list[str]:
    """``n_months`` consecutive ``YYYY-MM`` labels from `start_month`."""
    year, month = (int(x) for x in start_month.split("-"))
    base = year * 12 + month - 1
    return [f"{(base + k) // 12:04d}-{(base + k) % 12 + 1:02d}" for k in range(n_months)]


def resolve_platforms(platforms: Sequence[str] | int | None) -> tuple[str, ...]:
    """Platform names from a list, a count (most diverse first) or None (all of them)."""
    if platforms is None:
        return PLATFORMS
    if isinstance(platforms, int):
        if not 1 <= platforms <= len(PLATFORMS):
            raise ValueError(f"platforms must be between 1 and {len(PLATFORMS)}")
        return _DIVERSE_ORDER[:platforms]
    names = tuple(platforms)
    unknown = [p for p in names if p not in PLATFORM_FAMILY]
    if unknown or not names or len(set(names)) != len(names):
        raise ValueError(f"platforms must be distinct names from {PLATFORMS}; got {names}")
    return names


def generate_population(
    n_workers: int,
    n_months: int,
    platforms: Sequence[str] | int | None = None,
    seed: int = 0,
    start_month: str = "2024-01",
    volatility: float = 1.0,
) -> SyntheticPopulation:
    """Generate `n_workers` workers' monthly income on `platforms` over `n_months` months.

    `platforms` is a list of names from `PLATFORMS`, a count (the most diverse that many) or
    None for all. `volatility` scales every source of noise; 1.0 is the calibrated default.
    Deterministic for a given seed.
    """
    if n_workers < 1 or n_months < 1:
        raise ValueError("n_workers and n_months must be positive")
    names = resolve_platforms(platforms)
    rng = np.random.default_rng(seed)
    n_p = len(names)
    fam = [_FAMILY_PARAMS[PLATFORM_FAMILY[p]] for p in names]
    calendar = np.array(
        [(int(m[5:7]) - 1) for m in month_labels(start_month, n_months)], dtype=np.int64
    )

    first_month = _first_months(rng, n_workers, n_months)
    engaged, primary = _engagement(rng, n_workers, names)
    shocks, downturn = _platform_shocks(rng, names, n_months, volatility)

    # Worker-platform parameters.
    log_level = np.array([f.log_level for f in fam])
    level_sd = np.array([f.level_sd for f in fam])
    noise = np.array([f.noise for f in fam]) * volatility
    worker_effect = rng.normal(0.0, 0.35, size=(n_workers, 1))
    level = (
        log_level
        + worker_effect
        + rng.normal(0.0, 1.0, (n_workers, n_p)) * np.sqrt(np.maximum(level_sd**2 - 0.35**2, 0.01))
    )
    stay = _beta_around(rng, np.array([f.stay for f in fam]), 25.0, (n_workers, n_p))
    enter = _beta_around(rng, np.array([f.enter for f in fam]), 6.0, (n_workers, n_p))
    season = np.array([f.season for f in fam])
    season = season - season.mean(axis=1, keepdims=True)
    lumpy = np.array([f.lumpy for f in fam])
    project_rate = rng.gamma(3.0, 0.6, size=(n_workers, n_p))  # mean 1.8 payments/month

    amounts = np.zeros((n_workers, n_p, n_months))
    active = np.zeros((n_workers, n_p), dtype=bool)
    drift = np.zeros((n_workers, n_p))
    drift_sd = 0.021 * volatility
    for t in range(n_months):
        starting = first_month == t
        # Joining month: the primary platform is active, others with some probability.
        start_active = engaged & (
            (primary[:, None] == np.arange(n_p)) | (rng.random((n_workers, n_p)) < 0.5)
        )
        u = rng.random((n_workers, n_p))
        p_next = np.where(active, stay * np.where(downturn[:, t], 0.94, 1.0), enter)
        active = np.where(starting[:, None], start_active, engaged & (u < p_next))
        active &= (first_month <= t)[:, None]
        drift += rng.normal(0.0, drift_sd, size=(n_workers, n_p))
        log_mean = level + drift + season[:, calendar[t]] + shocks[:, t]
        heavy = rng.standard_t(5.0, size=(n_workers, n_p)) * noise
        steady = np.exp(log_mean + heavy)
        # Freelance: a Poisson number of project payments, each lognormal around the level
        # (divided by the rate so that the monthly level stays comparable).
        n_proj = rng.poisson(project_rate)
        n_proj = np.where(
            starting[:, None] & (primary[:, None] == np.arange(n_p)), np.maximum(n_proj, 1), n_proj
        )
        proj_sigma = 0.34 * volatility
        # Sum of n lognormals approximated by one lognormal with the matched mean (cheap,
        # and lumpy enough: the count is what makes freelance months swing).
        proj_total = np.where(
            n_proj > 0,
            n_proj
            / project_rate
            * np.exp(
                log_mean
                + rng.normal(0.0, 1.0, (n_workers, n_p))
                * proj_sigma
                / np.sqrt(np.maximum(n_proj, 1))
            ),
            0.0,
        )
        month_amount = np.where(lumpy, proj_total, steady)
        amounts[:, :, t] = np.where(active, np.round(month_amount, 2), 0.0)

    # Every worker's history starts with income, by definition of "first month".
    _ensure_first_month_income(amounts, first_month, primary, level)
    worker_ids = tuple(f"w{seed:03d}-{i:06d}" for i in range(n_workers))
    return SyntheticPopulation(
        amounts=amounts,
        first_month=first_month,
        platforms=names,
        start_month=start_month,
        worker_ids=worker_ids,
        shocks=shocks,
    )


def _first_months(rng: np.random.Generator, n_workers: int, n_months: int) -> IntArray:
    """A third were already working when the window opens; the rest joined, mostly lately."""
    length = 1 + np.floor(rng.exponential(9.0, size=n_workers)).astype(np.int64)
    old = rng.random(n_workers) < 0.35
    length = np.where(old, n_months, np.minimum(length, n_months))
    return np.asarray(n_months - length, dtype=np.int64)


def _engagement(
    rng: np.random.Generator, n_workers: int, names: tuple[str, ...]
) -> tuple[NDArray[np.bool_], IntArray]:
    """Which platforms each worker works on (1 to 3), and their main one."""
    n_p = len(names)
    weights = np.array([_POPULARITY[p] for p in names])
    keys = np.log(weights) + rng.gumbel(size=(n_workers, n_p))
    order = np.argsort(-keys, axis=1)
    k = np.minimum(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.20], size=n_workers), n_p)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n_p)[None, :].repeat(n_workers, 0), axis=1)
    engaged = rank < k[:, None]
    return engaged, np.asarray(order[:, 0], dtype=np.int64)


def _platform_shocks(
    rng: np.random.Generator, names: tuple[str, ...], n_months: int, volatility: float
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """AR(1) log shocks per platform (half shared with its family) plus downturn episodes."""
    families = sorted({PLATFORM_FAMILY[p] for p in names})
    rho, sigma = 0.75, 0.06 * volatility

    def ar1(n: int) -> FloatArray:
        out = np.zeros((n, n_months))
        out[:, 0] = rng.normal(0.0, sigma, n)
        for t in range(1, n_months):
            out[:, t] = rho * out[:, t - 1] + rng.normal(0.0, sigma * np.sqrt(1 - rho**2), n)
        return out

    fam_shock = ar1(len(families))
    own_shock = ar1(len(names))
    fam_index = np.array([families.index(PLATFORM_FAMILY[p]) for p in names])
    shocks = np.sqrt(0.5) * (fam_shock[fam_index] + own_shock)
    downturn = np.zeros((len(names), n_months), dtype=bool)
    for p in range(len(names)):
        t = 0
        while t < n_months:
            if rng.random() < 0.025:
                length = int(rng.integers(3, 9))
                depth = rng.uniform(0.12, 0.35) * volatility
                end = min(t + length, n_months)
                shocks[p, t:end] -= depth
                downturn[p, t:end] = True
                t = end
            t += 1
    return shocks, downturn


def _beta_around(
    rng: np.random.Generator, mean: FloatArray, concentration: float, size: tuple[int, int]
) -> FloatArray:
    m = np.broadcast_to(mean, size)
    return np.asarray(rng.beta(m * concentration, (1 - m) * concentration), dtype=np.float64)


def _ensure_first_month_income(
    amounts: FloatArray, first_month: IntArray, primary: IntArray, level: FloatArray
) -> None:
    rows = np.arange(amounts.shape[0])
    first = amounts[rows, :, first_month].sum(axis=1)
    empty = rows[first <= 0]
    amounts[empty, primary[empty], first_month[empty]] = np.round(
        np.exp(level[empty, primary[empty]]), 2
    )


def monthly_change_share(
    totals: FloatArray, first_month: IntArray, threshold: float = 0.30, min_months: int = 12
) -> float:
    """Share of workers whose mean month-to-month arc change in income exceeds `threshold`.

    Our reading of the JPMorgan Chase Institute figure (41% of households see monthly income
    move by more than 30%), over workers with at least `min_months` months of history. The
    arc change ``|x_t - x_{t-1}| / ((x_t + x_{t-1}) / 2)`` is bounded and defined when a
    month is zero.
    """
    n_months = totals.shape[1]
    keep = (n_months - first_month) >= min_months
    x = totals[keep]
    starts = first_month[keep]
    t = np.arange(1, n_months)
    valid = t[None, :] > starts[:, None]
    prev, cur = x[:, :-1], x[:, 1:]
    denom = (prev + cur) / 2.0
    arc = np.where(denom > 0, np.abs(cur - prev) / np.where(denom > 0, denom, 1.0), 0.0)
    mean_arc = (arc * valid).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    return float(np.mean(mean_arc > threshold))


def within_year_cv(totals: FloatArray, first_month: IntArray, min_months: int = 12) -> float:
    """Average over workers of the coefficient of variation of their last 12 months' income.

    Comparable to the US Financial Diaries figure (about 39%), over workers with at least
    `min_months` months of history.
    """
    keep = (totals.shape[1] - first_month) >= max(min_months, 12)
    last = totals[keep, -12:]
    mean = last.mean(axis=1)
    cv = last.std(axis=1) / np.where(mean > 0, mean, np.nan)
    return float(np.nanmean(cv))
