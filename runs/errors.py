"""Refusals of the monthly run and its reads, each with a stable problem type."""

from __future__ import annotations

from core.errors import Conflict, NotFound, ValidationFailed


class PeriodNotClosed(ValidationFailed):
    slug = "period-not-closed"
    title = "The month is not over yet"


class RunInProgress(Conflict):
    slug = "run-in-progress"
    title = "The month's run is in progress"


class EarlierRunUnfinished(Conflict):
    slug = "earlier-run-unfinished"
    title = "An earlier month's run has not finished"


class NoPlanYet(NotFound):
    slug = "no-plan-yet"
    title = "There is no plan for this month yet"


class RunNotFound(NotFound):
    slug = "run-not-found"
    title = "The run does not exist"


class DecisionNotFound(NotFound):
    slug = "decision-not-found"
    title = "The decision does not exist"
