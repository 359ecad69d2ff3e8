"""``python -m actuarial``: forecast, backtest, bench."""

from actuarial.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
