"""Income histories as dense arrays, and the sufficient statistics both stages share.

The model works on *cells*: a (worker, platform) pair on which the worker has earned at least
once. A platform a worker has never used contributes nothing to their forecast (Mutua does
not guess which new platform a worker might join). Cells are kept sorted by worker so that
per-worker totals are one `np.add.reduceat` away.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from actuarial.platforms import FAMILIES, PLATFORM_FAMILY
from actuarial.synthetic import SyntheticPopulation, month_labels

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def month_index(label: str) -> int:
    """Months since year 0 for a ``YYYY-MM`` label (so consecutive months differ by 1)."""
    year, month = label.split("-")
    m = int(month)
    if len(year) != 4 or not 1 <= m <= 12:
        raise ValueError(f"month must look like YYYY-MM, got {label!r}")
    return int(year) * 12 + m - 1


def family_of(platform: str) -> str:
    """The seasonality family of a platform; unknown platforms behave like "other"."""
    return PLATFORM_FAMILY.get(platform, "other")


@dataclass(frozen=True)
class IncomeHistory:
    """Monthly income per worker and platform over a common window of months.

    `amounts[i, p, t]` is in currency units; zero for a month without income. Worker i's
    history runs from `first_month[i]` to the last month of the window.
    """

    worker_ids: tuple[str, ...]
    platforms: tuple[str, ...]
    start_month: str
    amounts: FloatArray
    first_month: IntArray

    @property
    def n_workers(self) -> int:
        return int(self.amounts.shape[0])

    @property
    def n_months(self) -> int:
        return int(self.amounts.shape[2])

    @property
    def months(self) -> list[str]:
        return month_labels(self.start_month, self.n_months)

    @property
    def last_month(self) -> str:
        return self.months[-1]

    def history_lengths(self) -> IntArray:
        return np.asarray(self.n_months - self.first_month, dtype=np.int64)

    def truncated(self, n_months: int) -> IncomeHistory:
        """The first `n_months` months: what was known at the end of them. A worker who
        joined later keeps no income and the last of them as first month; callers that want
        only earlier joiners take a `subset` first."""
        return IncomeHistory(
            worker_ids=self.worker_ids,
            platforms=self.platforms,
            start_month=self.start_month,
            amounts=self.amounts[:, :, :n_months],
            first_month=np.minimum(self.first_month, n_months - 1),
        )

    @classmethod
    def from_population(cls, pop: SyntheticPopulation) -> IncomeHistory:
        return cls(
            worker_ids=pop.worker_ids,
            platforms=pop.platforms,
            start_month=pop.start_month,
            amounts=pop.amounts,
            first_month=pop.first_month,
        )

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, float]]) -> IncomeHistory:
        """Build from ``(worker_id, platform, month, amount)`` rows (a history CSV's shape).

        Each worker's history starts at their first row's month and ends at the last month
        in the data; a missing row inside it is zero income. Several rows for the same
        worker, platform and month are added up.
        """
        records = [(w, p, month_index(m), float(a)) for w, p, m, a in rows]
        if not records:
            raise ValueError("the history is empty")
        if any(not np.isfinite(a) or a < 0 for *_, a in records):
            raise ValueError("amounts must be finite and not negative")
        workers = sorted({r[0] for r in records})
        platforms = sorted({r[1] for r in records})
        lo = min(r[2] for r in records)
        hi = max(r[2] for r in records)
        w_ix = {w: i for i, w in enumerate(workers)}
        p_ix = {p: i for i, p in enumerate(platforms)}
        amounts = np.zeros((len(workers), len(platforms), hi - lo + 1))
        first = np.full(len(workers), hi - lo, dtype=np.int64)
        for w, p, t, a in records:
            i = w_ix[w]
            amounts[i, p_ix[p], t - lo] += a
            first[i] = min(first[i], t - lo)
        start = f"{lo // 12:04d}-{lo % 12 + 1:02d}"
        return cls(tuple(workers), tuple(platforms), start, amounts, first)

    @classmethod
    def from_csv(cls, path: Path | str) -> IncomeHistory:
        """Read ``worker_id,platform,month,amount`` (month ``YYYY-MM``, currency units)."""
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            need = {"worker_id", "platform", "month", "amount"}
            if reader.fieldnames is None or not need <= set(reader.fieldnames):
                raise ValueError(f"history CSV needs the columns {sorted(need)}")
            rows = [
                (r["worker_id"], r["platform"].strip().lower(), r["month"], float(r["amount"]))
                for r in reader
            ]
        return cls.from_rows(rows)

    def subset(self, rows: IntArray) -> IncomeHistory:
        return IncomeHistory(
            worker_ids=tuple(self.worker_ids[int(r)] for r in rows),
            platforms=self.platforms,
            start_month=self.start_month,
            amounts=self.amounts[rows],
            first_month=self.first_month[rows],
        )


@dataclass(frozen=True)
class CellStats:
    """Per-cell data in the form both stages use, on discounted (weighted) months.

    Recent months weigh more than old ones (weight ``discount ** age``): earning levels drift,
    and a discounted likelihood is the conjugate way to let the posterior follow them.
    """

    worker: IntArray
    """(C,) worker row of each cell, non-decreasing."""
    platform: IntArray
    """(C,) platform column of each cell."""
    weight_active: FloatArray
    """(C, T) month weight where the cell had income, else 0."""
    log_y: FloatArray
    """(C, T) centred log income where active, else 0."""
    n_stay: FloatArray
    """(C,) weighted count of active -> active transitions."""
    n_leave: FloatArray
    """(C,) weighted count of active -> inactive transitions."""
    n_enter: FloatArray
    """(C,) weighted count of inactive -> active transitions."""
    n_idle: FloatArray
    """(C,) weighted count of inactive -> inactive transitions."""
    last_active: BoolArray
    """(C,) whether the cell had income in the last month."""
    income_share: FloatArray
    """(C,) the cell's share of its worker's (discounted) income."""

    @property
    def n_cells(self) -> int:
        return int(self.worker.shape[0])

    def worker_starts(self) -> IntArray:
        """Index of the first cell of each worker (for `np.add.reduceat`)."""
        return np.flatnonzero(np.r_[True, self.worker[1:] != self.worker[:-1]]).astype(np.int64)


def cell_stats(history: IncomeHistory, discount: float, log_center: float) -> CellStats:
    """Sufficient statistics of every (worker, platform) cell with any income."""
    amounts = history.amounts
    n, _, n_t = amounts.shape
    ever = (amounts > 0).any(axis=2)
    worker, platform = np.nonzero(ever)  # row-major: sorted by worker
    y = amounts[worker, platform, :]
    t = np.arange(n_t)
    inside = t[None, :] >= history.first_month[worker][:, None]
    active = (y > 0) & inside
    weight = np.where(inside, discount ** (n_t - 1 - t)[None, :], 0.0)
    log_y = np.where(active, np.log(np.where(active, y, 1.0)) - log_center, 0.0)
    prev, cur = active[:, :-1], active[:, 1:]
    w_tr = weight[:, 1:] * inside[:, :-1]  # a transition needs both months in the history
    share_num = (y * weight).sum(axis=1)
    worker_total = np.zeros(n)
    np.add.at(worker_total, worker, share_num)
    return CellStats(
        worker=worker.astype(np.int64),
        platform=platform.astype(np.int64),
        weight_active=weight * active,
        log_y=log_y,
        n_stay=(w_tr * (prev & cur)).sum(axis=1),
        n_leave=(w_tr * (prev & ~cur)).sum(axis=1),
        n_enter=(w_tr * (~prev & cur)).sum(axis=1),
        n_idle=(w_tr * (~prev & ~cur)).sum(axis=1),
        last_active=active[:, -1].copy(),
        income_share=share_num / np.maximum(worker_total[worker], 1e-12),
    )


def family_index(platforms: Sequence[str]) -> IntArray:
    """Index into `FAMILIES` of each platform's seasonality family."""
    return np.array([FAMILIES.index(family_of(p)) for p in platforms], dtype=np.int64)


def stratified_sample(history: IncomeHistory, n_sample: int, seed: int) -> IntArray:
    """Rows of a proportional stratified sample of workers.

    Strata are history length (1-3, 4-12, 13-24, 25+ months) crossed with the worker's main
    platform: proportional allocation keeps the sample's mix equal to the population's (so
    the hyperparameters describe the population) while guaranteeing that rare strata, such
    as new workers on a small platform, are represented.
    """
    n = history.n_workers
    if n <= n_sample:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    length = history.history_lengths()
    band = np.digitize(length, [4, 13, 25])
    main = history.amounts.sum(axis=2).argmax(axis=1)
    stratum = band * history.amounts.shape[1] + main
    chosen: list[IntArray] = []
    for s in np.unique(stratum):
        members = np.flatnonzero(stratum == s)
        k = max(1, round(n_sample * members.size / n))
        chosen.append(rng.choice(members, size=min(k, members.size), replace=False))
    rows = np.sort(np.concatenate(chosen))
    return np.asarray(rows, dtype=np.int64)
