"""CZML and KML replay files, parsed back (json, xml.etree) and checked against the trace."""

from __future__ import annotations

import datetime as dt
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from shieldlab.engine.trace import EventTrace
from shieldlab.errors import InputError
from shieldlab.scenario import Scenario
from shieldlab.viz import replay

KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
EPOCH = dt.datetime(2031, 6, 1, 12, 0, tzinfo=dt.UTC)


def seconds(text: str, epoch: dt.datetime = EPOCH) -> float:
    t = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return (t - epoch).total_seconds()


def on_trajectory(tr: EventTrace, i: int, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """Threat i's true position at times t, from the trace's full trajectory."""
    sl = slice(int(tr.traj_off[i]), int(tr.traj_off[i] + tr.traj_n[i]))
    return tuple(
        np.interp(t, tr.traj_t_s[sl], v[sl])
        for v in (tr.traj_lon_deg, tr.traj_lat_deg, tr.traj_alt_m)
    )


@pytest.fixture(params=["four", "lossy"])
def case(
    request: pytest.FixtureRequest,
    four_batteries: Scenario,
    four_trace: EventTrace,
    lossy: Scenario,
    lossy_trace: EventTrace,
) -> tuple[Scenario, EventTrace]:
    return (four_batteries, four_trace) if request.param == "four" else (lossy, lossy_trace)


def test_czml_round_trip(tmp_path: Path, case: tuple[Scenario, EventTrace]) -> None:
    sc, tr = case
    path = replay.write_czml(tr, sc, tmp_path / "r.czml", epoch=EPOCH)
    doc = json.loads(path.read_text())
    assert doc[0]["id"] == "document" and doc[0]["version"]
    start, end = doc[0]["clock"]["interval"].split("/")
    assert seconds(start) == min(0.0, tr.threat_launch_s.min())
    assert seconds(end) == pytest.approx(max(tr.threat_end_s.max(), tr.time_s.max()), abs=1e-6)
    by_id = {p["id"]: p for p in doc}
    threats = [p for p in doc if p["id"].startswith("threat/")]
    assert len(threats) == tr.n_threats
    for i in range(tr.n_threats):
        p = by_id[f"threat/{i}"]
        epoch = seconds(p["position"]["epoch"])
        s = np.asarray(p["position"]["cartographicDegrees"], dtype=float).reshape(-1, 4)
        t = s[:, 0] + epoch
        assert t[0] == pytest.approx(tr.threat_launch_s[i], abs=1e-6)
        assert t[-1] == pytest.approx(tr.threat_end_s[i], abs=1e-6)
        assert np.all(np.diff(t) > 0)
        lon, lat, alt = on_trajectory(tr, i, t)
        np.testing.assert_allclose(s[:, 1], lon, atol=1e-9)
        np.testing.assert_allclose(s[:, 2], lat, atol=1e-9)
        np.testing.assert_allclose(s[:, 3], alt, atol=1e-6)
        a0, a1 = p["availability"].split("/")
        assert seconds(a0) == pytest.approx(tr.threat_launch_s[i], abs=1e-6)
        assert seconds(a1) == pytest.approx(tr.threat_end_s[i], abs=1e-6)
    # Events: kills, misses and leaks, each where and when the trace has it.
    events = [p for p in doc if p["id"].startswith("event/")]
    sel = np.flatnonzero(tr.mask("kill", "miss", "leak"))
    assert sorted(int(p["id"].split("/")[1]) for p in events) == sel.tolist()
    for p in events:
        e = int(p["id"].split("/")[1])
        assert p["name"].startswith(("kill", "miss", "leak"))
        assert seconds(p["availability"].split("/")[0]) == pytest.approx(tr.time_s[e], abs=1e-6)
        lon, lat, alt = p["position"]["cartographicDegrees"]
        assert (lon, lat, alt) == pytest.approx((tr.lon_deg[e], tr.lat_deg[e], tr.alt_m[e]))
    # Salvos: from the battery at launch to the intercept point at the planned time.
    salvos = [p for p in doc if p["id"].startswith("salvo/")]
    launches = np.flatnonzero(tr.mask("launch"))
    assert len(salvos) == launches.size
    for p, e in zip(salvos, launches, strict=True):
        epoch = seconds(p["position"]["epoch"])
        s = np.asarray(p["position"]["cartographicDegrees"], dtype=float).reshape(2, 4)
        assert s[0, 0] + epoch == pytest.approx(tr.time_s[e], abs=1e-6)
        assert s[1, 0] + epoch == pytest.approx(tr.intercept_s[e], abs=1e-6)
        b = tr.battery[e]
        assert (s[0, 1], s[0, 2]) == (tr.battery_lon_deg[b], tr.battery_lat_deg[b])
        lon, lat, _ = on_trajectory(tr, int(tr.threat[e]), np.array([tr.intercept_s[e]]))
        assert (s[1, 1], s[1, 2]) == pytest.approx((lon[0], lat[0]))
    sites = {p["name"] for p in doc if p["id"].startswith(("battery/", "asset/"))}
    assert sites == {b.name for b in sc.batteries} | {a.name for a in sc.assets}


def test_kml_round_trip(tmp_path: Path, case: tuple[Scenario, EventTrace]) -> None:
    sc, tr = case
    path = replay.write_kml(tr, sc, tmp_path / "r.kml", epoch=EPOCH, step_s=5.0)
    root = ET.parse(path).getroot()
    folders = {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}
    assert set(folders) >= {"threats", "events", "Blue sites", "rings"}
    marks = folders["threats"].findall(f"{KML}Placemark")
    assert len(marks) == tr.n_threats
    for i, pm in enumerate(marks):
        assert pm.findtext(f"{KML}name", "").startswith(f"threat {i} ")
        track = pm.find(f"{GX}Track")
        assert track is not None
        assert track.findtext(f"{KML}altitudeMode") == "absolute"
        t = np.array([seconds(w.text or "") for w in track.findall(f"{KML}when")])
        xyz = np.array(
            [[float(v) for v in (c.text or "").split()] for c in track.findall(f"{GX}coord")]
        )
        assert xyz.shape == (t.size, 3)
        t_ref = tr.ground_track(i, step_s=5.0)[0]
        np.testing.assert_allclose(t, t_ref, atol=1e-6)  # microsecond timestamps
        assert t[-1] == pytest.approx(tr.threat_end_s[i], abs=1e-6)
        lon, lat, alt = on_trajectory(tr, i, t_ref)
        np.testing.assert_allclose(xyz[:, 0], lon, atol=1e-9)
        np.testing.assert_allclose(xyz[:, 1], lat, atol=1e-9)
        np.testing.assert_allclose(xyz[:, 2], alt, atol=1e-6)
    events = folders["events"].findall(f"{KML}Placemark")
    sel = np.flatnonzero(tr.mask("kill", "miss", "leak"))
    assert len(events) == sel.size
    kinds = {"kill": 0, "miss": 0, "leak": 0}
    for pm, e in zip(events, sel, strict=True):
        kind = pm.findtext(f"{KML}description")
        assert kind is not None
        kinds[kind] += 1
        when = pm.find(f"{KML}TimeStamp/{KML}when")
        assert when is not None and seconds(when.text or "") == pytest.approx(
            tr.time_s[e], abs=1e-6
        )
        coords = pm.findtext(f"{KML}Point/{KML}coordinates", "")
        lon, lat, alt = (float(v) for v in coords.split(","))
        assert (lon, lat, alt) == pytest.approx((tr.lon_deg[e], tr.lat_deg[e], tr.alt_m[e]))
    assert kinds == {k: int(np.sum(tr.mask(k))) for k in kinds}


def test_full_resolution_keeps_every_sample(
    tmp_path: Path, lossy_trace: EventTrace, lossy: Scenario
) -> None:
    path = replay.write_czml(lossy_trace, lossy, tmp_path / "full.czml", step_s=None)
    doc = {p["id"]: p for p in json.loads(path.read_text())}
    for i in range(lossy_trace.n_threats):
        n = len(doc[f"threat/{i}"]["position"]["cartographicDegrees"]) // 4
        assert n == lossy_trace.ground_track(i)[0].size


def test_missing_package_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lossy: Scenario, lossy_trace: EventTrace
) -> None:
    monkeypatch.setitem(sys.modules, "simplekml", None)
    with pytest.raises(InputError, match=r"simplekml.*pip install 'shieldlab\[plot\]'"):
        replay.write_kml(lossy_trace, lossy, tmp_path / "x.kml")
    assert not (tmp_path / "x.kml").exists()
