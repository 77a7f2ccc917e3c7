"""Small notional scenarios built in Python for engine tests (no cards, no real places)."""

from __future__ import annotations

from typing import Any

from shieldlab.scenario import Scenario, scenario_from_data


def radar(
    name: str = "radar", *, snr_ref_db: float = 100.0, capacity: int = 200, scan_s: float = 1.0
) -> dict[str, Any]:
    return {
        "name": name,
        "role": "engagement",
        "snr_ref_db": snr_ref_db,
        "ref_range_m": 100_000,
        "ref_rcs_m2": 1.0,
        "pfa": 1.0e-6,
        "swerling": 1,
        "instrumented_range_m": 300_000,
        "min_elevation_deg": 0.0,
        "antenna_height_m": 10,
        "scan_period_s": scan_s,
        "track_capacity": capacity,
    }


def small_scenario(
    *,
    threats: int = 8,
    sspk: float = 0.6,
    reliability: float = 1.0,
    salvo: int = 2,
    max_engagements: int = 1,
    sls: bool = False,
    rounds: int = 200,
    reloads: int = 0,
    reload_s: float = 0.0,
    targets: int = 100,
    guided: int = 200,
    batteries: int = 1,
    c2_mode: str = "centralised",
    priority: str = "time_to_impact",
    snr_ref_db: float = 100.0,
    capacity: int = 200,
    m: int = 1,
    n: int = 1,
    extra_waves: list[dict[str, Any]] | None = None,
    interval_s: float = 2.0,
    ballistic: bool = False,
    pos_noise_m: float = 50.0,
    vel_noise_mps: float = 5.0,
) -> Scenario:
    """A notional scenario: level-flying (or ballistic) threats from the north at one site."""
    bats = []
    for b in range(batteries):
        bats.append(
            {
                "name": f"battery-{b}",
                "position": {"lat_deg": -20.0 + 0.05 * b, "lon_deg": -15.0},
                "command_post": {"max_targets_engaged": targets, "max_interceptors_guided": guided},
                "radars": [radar(snr_ref_db=snr_ref_db, capacity=capacity)],
                "launchers": [
                    {
                        "name": "launcher",
                        "count": 1,
                        "loadout": [{"interceptor": "test-round", "rounds": rounds}],
                        "reload_time_s": reload_s,
                        "reloads": reloads,
                    }
                ],
            }
        )
    threat_type: dict[str, Any] = {
        "name": "target",
        "threat_class": "ballistic" if ballistic else "aircraft",
        "rcs_m2": 1.0,
        "unit_cost_usd": 100_000,
    }
    if not ballistic:
        threat_type.update({"speed_mps": 300, "cruise_altitude_m": 2000})
    waves = [
        {
            "name": "main",
            "threat": "target",
            "count": threats,
            "launch_area": {
                "lat_deg": -19.4 if not ballistic else -18.5,
                "lon_deg": -15.0,
                "radius_m": 5000,
            },
            "start_s": 0,
            "interval_s": interval_s,
            "aimpoints": ["site-a", "site-b"],
        }
    ]
    waves += extra_waves or []
    data: dict[str, Any] = {
        "schema_version": 1,
        "name": "test-small",
        "origin": {"lat_deg": -20.0, "lon_deg": -15.0, "alt_m": 0},
        "assets": [
            {"name": "site-a", "position": {"lat_deg": -20.0, "lon_deg": -15.0}, "value": 3},
            {"name": "site-b", "position": {"lat_deg": -20.02, "lon_deg": -15.03}, "value": 1},
        ],
        "threat_types": [threat_type],
        "interceptor_types": [
            {
                "name": "test-round",
                "layer": "single",
                "min_range_m": 1000,
                "max_range_m": 60_000,
                "min_altitude_m": 0,
                "max_altitude_m": 30_000,
                "avg_speed_mps": 1000,
                "sspk": {"ballistic": sspk, "cruise": sspk, "aircraft": sspk, "decoy": sspk},
                "reliability": reliability,
                "unit_cost_usd": 1_000_000,
            }
        ],
        "batteries": bats,
        "raid": {"waves": waves},
        "doctrine": {
            "salvo_size": salvo,
            "shoot_look_shoot": sls,
            "max_engagements_per_threat": max_engagements,
            "engagement_priority": priority,
            "c2_mode": c2_mode,
            "decision_cycle_s": 2.0,
            "track_initiation": {"m": m, "n": n},
            "track_position_noise_m": pos_noise_m,
            "track_velocity_noise_mps": vel_noise_mps,
        },
    }
    return scenario_from_data(data)


def layered_scenario(
    *,
    layers: list[dict[str, Any]],
    threats: int = 6,
    ballistic: bool = False,
    batteries: int = 1,
    c2_mode: str = "centralised",
    salvo: int = 2,
    max_engagements: int = 2,
    sls: bool = True,
    targets: int = 100,
    guided: int = 200,
    priority: str = "layered",
    interval_s: float = 4.0,
    reloads: int = 0,
    reload_s: float = 30.0,
) -> Scenario:
    """A notional defence with several interceptor layers against one threat wave.

    ``layers``: one dict per interceptor type with ``max_range_m``, ``avg_speed_mps``,
    ``sspk`` and ``rounds`` (per battery), optionally ``min_range_m``.
    """
    types = []
    launchers = []
    for k, layer in enumerate(layers):
        name = f"round-{k}"
        p = float(layer["sspk"])
        types.append(
            {
                "name": name,
                "layer": f"layer-{k}",
                "min_range_m": float(layer.get("min_range_m", 1000.0)),
                "max_range_m": float(layer["max_range_m"]),
                "min_altitude_m": 0,
                "max_altitude_m": 30_000,
                "avg_speed_mps": float(layer["avg_speed_mps"]),
                "sspk": {"ballistic": p, "cruise": p, "aircraft": p, "decoy": p},
                "reliability": 1.0,
                "unit_cost_usd": 1_000_000,
            }
        )
        launchers.append(
            {
                "name": f"launcher-{k}",
                "count": 1,
                "loadout": [{"interceptor": name, "rounds": int(layer["rounds"])}],
                "reload_time_s": reload_s,
                "reloads": reloads,
            }
        )
    bats = [
        {
            "name": f"battery-{b}",
            "position": {"lat_deg": -20.0 + 0.05 * b, "lon_deg": -15.0},
            "command_post": {"max_targets_engaged": targets, "max_interceptors_guided": guided},
            "radars": [radar()],
            "launchers": launchers,
        }
        for b in range(batteries)
    ]
    threat_type: dict[str, Any] = {
        "name": "target",
        "threat_class": "ballistic" if ballistic else "aircraft",
        "rcs_m2": 1.0,
        "unit_cost_usd": 100_000,
    }
    if not ballistic:
        threat_type.update({"speed_mps": 300, "cruise_altitude_m": 2000})
    data: dict[str, Any] = {
        "schema_version": 1,
        "name": "test-layered",
        "origin": {"lat_deg": -20.0, "lon_deg": -15.0, "alt_m": 0},
        "assets": [
            {"name": "site-a", "position": {"lat_deg": -20.0, "lon_deg": -15.0}, "value": 3},
            {"name": "site-b", "position": {"lat_deg": -20.02, "lon_deg": -15.03}, "value": 1},
        ],
        "threat_types": [threat_type],
        "interceptor_types": types,
        "batteries": bats,
        "raid": {
            "waves": [
                {
                    "name": "main",
                    "threat": "target",
                    "count": threats,
                    "launch_area": {
                        "lat_deg": -18.5 if ballistic else -19.2,
                        "lon_deg": -15.0,
                        "radius_m": 5000,
                    },
                    "start_s": 0,
                    "interval_s": interval_s,
                    "aimpoints": ["site-a", "site-b"],
                }
            ]
        },
        "doctrine": {
            "salvo_size": salvo,
            "shoot_look_shoot": sls,
            "max_engagements_per_threat": max_engagements,
            "engagement_priority": priority,
            "c2_mode": c2_mode,
            "decision_cycle_s": 2.0,
            "track_initiation": {"m": 1, "n": 1},
        },
    }
    return scenario_from_data(data)
