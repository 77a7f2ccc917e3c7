"""Names of the per-replication outcome columns the kernel and the oracle write."""

from __future__ import annotations

from dataclasses import dataclass

from shieldlab.engine.compiled import CompiledScenario
from shieldlab.engine.kernel import (
    COL_COST,
    COL_DECOYS_KILLED,
    COL_ENGAGED,
    COL_FIRED,
    COL_FIRST_LEAK,
    COL_LEAKERS,
    COL_LETHAL_KILLED,
    COL_THREATS_KILLED,
    N_FIXED,
)

FIXED_COLUMNS: dict[str, int] = {
    "leakers": COL_LEAKERS,
    "lethal_threats_killed": COL_LETHAL_KILLED,
    "decoys_killed": COL_DECOYS_KILLED,
    "threats_killed": COL_THREATS_KILLED,
    "interceptors_fired": COL_FIRED,
    "interceptor_cost_usd": COL_COST,
    "time_of_first_leak_s": COL_FIRST_LEAK,
    "threats_engaged": COL_ENGAGED,
}


@dataclass(frozen=True, kw_only=True)
class OutcomeLayout:
    """Column index of every per-replication outcome of one compiled scenario."""

    layers: tuple[str, ...]
    type_layer: tuple[int, ...]  # interceptor type -> index into layers
    interceptor_names: tuple[str, ...]
    asset_names: tuple[str, ...]

    @property
    def n_types(self) -> int:
        return len(self.interceptor_names)

    @property
    def n_columns(self) -> int:
        return N_FIXED + 2 * self.n_types + len(self.asset_names) + len(self.layers)

    def columns(self) -> dict[str, int]:
        """Column of each named outcome (``fired.<type>``, ``kills.<type>``, ...)."""
        cols = dict(FIXED_COLUMNS)
        base = N_FIXED
        for j, name in enumerate(self.interceptor_names):
            cols[f"fired.{name}"] = base + j
        base += self.n_types
        for j, name in enumerate(self.interceptor_names):
            cols[f"kills.{name}"] = base + j
        base += self.n_types
        for a, name in enumerate(self.asset_names):
            cols[f"hits.{name}"] = base + a
        base += len(self.asset_names)
        for k, name in enumerate(self.layers):
            cols[f"kills_by_layer.{name}"] = base + k
        return cols


def layout_of(cs: CompiledScenario) -> OutcomeLayout:
    """Outcome layout of a compiled scenario (layers in order of first appearance)."""
    layers: list[str] = []
    for name in cs.interceptor_layers:
        if name not in layers:
            layers.append(name)
    return OutcomeLayout(
        layers=tuple(layers),
        type_layer=tuple(layers.index(x) for x in cs.interceptor_layers),
        interceptor_names=cs.interceptor_names,
        asset_names=cs.asset_names,
    )
