"""Time and memory of pricing a large pool: 100,000 members and 50,000 scenarios by default.

    .venv/bin/python bench/pricing_bench.py [--members N] [--scenarios S]

The goal on a 2-core machine is under 10 seconds and under 4 GiB. Wall-clock time is what
an administrator waits; CPU time is shown beside it because a busy machine stretches the
first and not the second.
"""

from __future__ import annotations

import argparse
import time

from actuarial.pricing import bench_pricing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--scenarios", type=int, default=50_000)
    args = parser.parse_args()
    cpu = time.process_time()
    figures = bench_pricing(args.members, args.scenarios)
    cpu = time.process_time() - cpu
    print(f"pricing {args.members:,} members x {args.scenarios:,} scenarios")
    print(f"  wall time        {figures['seconds']:8.2f} s")
    print(f"  cpu time         {cpu:8.2f} s (including building the synthetic pool)")
    print(f"  peak traced      {figures['peak_traced_mib']:8.0f} MiB")
    print(f"  peak resident    {figures['peak_rss_mib']:8.0f} MiB")
    print(f"  solved rate      {figures['rate']:8.4f} of income")
    print(
        f"  ruin probability {figures['ruin_probability']:8.4f}"
        f" +/- {figures['ruin_standard_error']:.4f}"
    )
    print(f"  rates evaluated  {figures['rate_evaluations']:8.0f}")


if __name__ == "__main__":
    main()
