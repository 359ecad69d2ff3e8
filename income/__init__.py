"""Income import: manual monthly entries, CSV statements, and a worker's income summary."""

from income.csv_statement import MAX_BYTES, MAX_ROWS
from income.errors import (
    CsvRejected,
    CurrencyNotInPools,
    CurrencyRequired,
    IncomeRecordNotEditable,
    InvalidPeriodRange,
    UnknownPlatform,
)
from income.platforms import parse_platform
from income.service import (
    CsvImportResult,
    ManualResult,
    correct_manual,
    delete_manual,
    import_csv,
    list_income,
    record_manual,
)
from income.summary import CurrencyTotal, IncomeSummary, MonthTotal, PlatformMonth

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "CsvImportResult",
    "CsvRejected",
    "CurrencyNotInPools",
    "CurrencyRequired",
    "CurrencyTotal",
    "IncomeRecordNotEditable",
    "IncomeSummary",
    "InvalidPeriodRange",
    "ManualResult",
    "MonthTotal",
    "PlatformMonth",
    "UnknownPlatform",
    "correct_manual",
    "delete_manual",
    "import_csv",
    "list_income",
    "parse_platform",
    "record_manual",
]
