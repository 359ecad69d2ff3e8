"""How well deposits are recognised, on the fake Plaid's generated banks.

    .venv/bin/python bench/plaid_classification.py [--banks 200] [--months 24]

Every money-in line of each generated bank is recognised as the sync would (with the bank's
own account masks) and compared with what the generator says it is. Prints, per platform
and for the lines that are not pay, how many there were and how many were placed right,
and where the others went.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict

from banks.recognition import recognise
from fakes.plaid.bank_data import generate_bank
from fakes.plaid.state import transaction_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banks", type=int, default=200)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    started = time.perf_counter()
    lines = 0
    for seed in range(args.banks):
        bank = generate_bank(seed, months=args.months, namespace="bench")
        masks = {a.mask for a in bank.accounts}
        for txn in bank.transactions:
            if txn.amount >= 0:
                continue
            lines += 1
            found = recognise(transaction_json(txn), masks)
            outcomes[txn.truth][found.platform or found.classification] += 1
    elapsed = time.perf_counter() - started
    print(f"{args.banks} banks x {args.months} months: {lines} money-in lines, "
          f"{elapsed:.1f} s (generation included)")  # fmt: skip
    print(f"{'truth':<12} {'lines':>7} {'right':>7} {'share':>7}  elsewhere")
    total = right_total = 0
    for truth in sorted(outcomes):
        counts = outcomes[truth]
        n = sum(counts.values())
        if truth in {"transfer", "not_income"}:
            right = counts[truth] + (counts["unreviewed"] if truth == "not_income" else 0)
        else:
            right = counts[truth]
        total += n
        right_total += right
        elsewhere = ", ".join(f"{k} {v}" for k, v in counts.most_common() if k != truth)
        print(f"{truth:<12} {n:>7} {right:>7} {right / n:>7.1%}  {elsewhere}")
    print(f"{'all':<12} {total:>7} {right_total:>7} {right_total / total:>7.1%}")
    print("(not_income counts as right when recognised or left for the worker to answer)")


if __name__ == "__main__":
    main()
