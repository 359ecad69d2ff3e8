"""`python -m actuarial`: forecast, backtest, bench."""

from actuarial.cli import PROG, main

if __name__ == "__main__":
    main(prog_name=PROG)
