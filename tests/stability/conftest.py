"""Fixtures of the stability tests (builders: ``posture_builders``)."""

from __future__ import annotations

import pytest
from posture_builders import make_posture, posture_dict, side_dict

from shieldlab.stability.posture import Posture

__all__ = ["make_posture", "posture_dict", "side_dict"]


@pytest.fixture
def symmetric() -> Posture:
    return make_posture()
