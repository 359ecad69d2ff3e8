"""The actuarial package's public surface, and what importing it costs the web process."""

from __future__ import annotations

import subprocess
import sys

import pytest

import actuarial


def test_the_model_and_pricing_are_reachable_from_the_package() -> None:
    assert actuarial.PoolRules().target_ruin_probability == 0.005
    assert callable(actuarial.price_pool)
    assert callable(actuarial.generate_population)
    assert actuarial.IncomeModel.__name__ == "IncomeModel"
    with pytest.raises(AttributeError):
        _ = actuarial.no_such_name


def test_serving_the_api_does_not_load_pymc() -> None:
    """PyMC takes seconds to import; the API and the CLI start without it."""
    probe = "import sys, api.app, api.cli; print('pymc' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
