"""Command line of the actuarial engine: ``forecast``, ``backtest`` and ``bench``.

``forecast --history H.csv --horizon N --out F.json`` reads ``worker_id,platform,month,amount``
rows and writes every worker's forecast, baseline and savings target. Without ``--fit`` it
fits the population stage on a stratified sample of the history first (and can keep that fit
with ``--save-fit``); with ``--fit`` it uses a saved fit, which must come from this version of
the model.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from actuarial.model import IncomeHistory, IncomeModel, ModelConfig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m actuarial", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    fc = sub.add_parser("forecast", help="forecast every worker in a history CSV")
    fc.add_argument("--history", required=True, type=Path)
    fc.add_argument("--horizon", type=int, default=12)
    fc.add_argument("--out", required=True, type=Path)
    fc.add_argument("--fit", type=Path, help="use this saved fit instead of fitting")
    fc.add_argument("--save-fit", type=Path, help="save the fit made from the history here")
    fc.add_argument("--sample-workers", type=int, default=ModelConfig.sample_workers)
    fc.add_argument("--seed", type=int, default=0)

    bt = sub.add_parser("backtest", help="calibration and scores on generated held-out months")
    bt.add_argument("--workers", type=int, default=4000)
    bt.add_argument("--months", type=int, default=30, help="history months before the cut")
    bt.add_argument("--horizon", type=int, default=6)
    bt.add_argument("--platforms", type=int, default=4)
    bt.add_argument("--seeds", type=int, default=2, help="independent populations to test on")
    bt.add_argument("--sample-workers", type=int, default=ModelConfig.sample_workers)

    bn = sub.add_parser("bench", help="time and peak memory of each stage")
    bn.add_argument("--workers", type=int, default=100_000)
    bn.add_argument("--months", type=int, default=24)
    bn.add_argument("--platforms", type=int, default=3)
    bn.add_argument("--sample-workers", type=int, default=2000)
    bn.add_argument("--threads", type=int, default=2)
    bn.add_argument("--members", type=int, default=100_000, help="pool size for pricing")
    bn.add_argument("--scenarios", type=int, default=50_000, help="pricing scenarios")
    return parser


def forecast_command(args: argparse.Namespace) -> int:
    history = IncomeHistory.from_csv(args.history)
    if args.fit is not None:
        model = IncomeModel.load(args.fit)
    else:
        model = IncomeModel(ModelConfig(sample_workers=args.sample_workers))
        model.fit(history, seed=args.seed)
        if args.save_fit is not None:
            model.save(args.save_fit)
    forecast = model.predict(history, horizon=args.horizon, seed=args.seed)
    args.out.write_text(json.dumps(forecast.to_json(), indent=1))
    print(
        f"{forecast.n_workers} workers, {forecast.horizon} months "
        f"({forecast.months[0]}..{forecast.months[-1]}), model {forecast.model_id} -> {args.out}"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "forecast":
        return forecast_command(args)
    if args.command == "backtest":
        from actuarial.backtest import backtest_command

        return backtest_command(args)
    from actuarial.bench import bench_command

    return bench_command(args)


if __name__ == "__main__":
    sys.exit(main())
