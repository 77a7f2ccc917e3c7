from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))

from scenarios import small_scenario

from shieldlab.engine.trace import EventTrace, record_replication
from shieldlab.scenario import Scenario, builtin_scenario


@pytest.fixture(scope="session")
def four_batteries() -> Scenario:
    return builtin_scenario("four-batteries")


@pytest.fixture(scope="session")
def four_trace(four_batteries: Scenario) -> EventTrace:
    return record_replication(four_batteries, seed=3, replication=1)


@pytest.fixture(scope="session")
def lossy() -> Scenario:
    """A small scenario with misses, re-engagements and leaks."""
    return small_scenario(sspk=0.3, sls=True, max_engagements=3, salvo=1, threats=12)


@pytest.fixture(scope="session")
def lossy_trace(lossy: Scenario) -> EventTrace:
    return record_replication(lossy, seed=3, replication=0)
