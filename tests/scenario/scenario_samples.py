"""A small valid scenario for tests, and a helper to find a line in it."""

from __future__ import annotations

# A small valid scenario written out in full (no cards), so tests can break one field at a
# time and check the reported line. Keep the keys unique per line: `line_of` finds them.
BASE = """\
schema_version: 1
name: tiny
description: a small test scenario
origin: {lat_deg: -20.0, lon_deg: -15.0}
assets:
  - name: site-a
    position: {lat_deg: -20.0, lon_deg: -15.0}
    value: 2
threat_types:
  - name: srbm
    threat_class: ballistic
    rcs_m2: 0.1
    unit_cost_usd: 3.0e6
  - name: cm
    threat_class: cruise
    rcs_m2: 0.1
    unit_cost_usd: 1.0e6
    speed_mps: 240
    cruise_altitude_m: 50
interceptor_types:
  - name: lr
    layer: long
    min_range_m: 3000
    max_range_m: 250000
    min_altitude_m: 10
    max_altitude_m: 30000
    avg_speed_mps: 1000
    sspk: {ballistic: 0.5, cruise: 0.7, aircraft: 0.8, decoy: 0.5}
    reliability: 0.9
    unit_cost_usd: 1.0e6
batteries:
  - name: b1
    position: {lat_deg: -19.9, lon_deg: -15.0}
    command_post: {max_targets_engaged: 36, max_interceptors_guided: 72}
    radars:
      - name: er
        role: engagement
        snr_ref_db: 24
        ref_range_m: 250000
        ref_rcs_m2: 1
        pfa: 1.0e-6
        instrumented_range_m: 400000
        scan_period_s: 1
        track_capacity: 100
    launchers:
      - name: tel
        count: 4
        loadout: [{interceptor: lr, rounds: 4}]
        reload_time_s: 1800
raid:
  waves:
    - name: w1
      threat: srbm
      count: 4
      launch_area: {lat_deg: -16.0, lon_deg: -15.0, radius_m: 10000}
      interval_s: 10
      aimpoints: [site-a]
    - name: w2
      threat: cm
      count: 2
      launch_area: {lat_deg: -17.0, lon_deg: -14.0, radius_m: 0}
      times_s: [0, 30]
      aimpoints: [site-a]
doctrine:
  salvo_size: 2
  track_initiation: {m: 2, n: 3}
"""


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the ``nth`` line containing ``needle``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    assert len(hits) > nth, f"{needle!r} not found"
    return hits[nth]
