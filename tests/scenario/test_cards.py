"""Parameter cards: every value sourced; scenarios name cards, override fields, get clear errors."""

from __future__ import annotations

import numbers

import pytest
from scenario_samples import line_of

from shieldlab.errors import InputError
from shieldlab.scenario import builtin_scenario, card_sources, load_catalog, load_scenario
from shieldlab.scenario.cards import CARD_KINDS, load_card


def test_catalog_has_the_s400_class_battery_and_generic_threats() -> None:
    cat = load_catalog()
    kinds = {name: c.kind for name, c in cat.items()}
    assert kinds["s400-class-battery"] == "battery"
    assert kinds["s400-class-acquisition-radar"] == "radar"
    assert kinds["s400-class-engagement-radar"] == "radar"
    assert kinds["s400-class-command-post"] == "command_post"
    for r in ("long", "medium", "short"):
        assert kinds[f"s400-class-{r}-range-interceptor"] == "interceptor_type"
    threats = {n for n, k in kinds.items() if k == "threat_type"}
    assert threats == {
        "generic-srbm",
        "generic-cruise-missile",
        "generic-strike-aircraft",
        "generic-decoy",
        "generic-mrbm",
        "generic-irbm",
        "generic-hgv",
    }
    jammers = {n for n, k in kinds.items() if k == "jammer"}
    assert jammers == {"generic-stand-off-jammer", "generic-self-screening-jammer"}
    assert set(kinds.values()) <= set(CARD_KINDS)


def test_every_value_has_unit_and_source_and_notional_ones_say_so() -> None:
    for card in load_catalog().values():
        assert card.parameters, card.name
        for p in card.parameters:
            where = f"{card.name}: {p.field}"
            assert p.unit, where
            assert len(p.source) >= 5, where
            if p.notional:
                assert "NOTIONAL" in p.source, where
            elif isinstance(p.value, numbers.Number) and not isinstance(p.value, bool):
                # A non-notional number must come from a named public source.
                assert "public" in p.source.lower(), where
            if p.low is not None and p.high is not None:
                assert p.low <= p.high, where
                assert p.low <= p.value <= p.high, where


def test_public_encyclopaedic_figures_are_as_published() -> None:
    # Public figures (Wikipedia, "S-400 missile system"; People's Daily, 2011): 36 targets
    # engaged and 72 missiles guided at once; 40N6-class 380 km, 9M96E2-class 1-120 km.
    cat = load_catalog()
    cp = cat["s400-class-command-post"].nominal
    assert (cp["max_targets_engaged"], cp["max_interceptors_guided"]) == (36, 72)
    assert cat["s400-class-long-range-interceptor"].nominal["max_range_m"] == 380_000
    short = cat["s400-class-short-range-interceptor"].nominal
    assert (short["min_range_m"], short["max_range_m"]) == (1_000, 120_000)
    assert cat["s400-class-acquisition-radar"].nominal["instrumented_range_m"] == 600_000


SCEN = """\
schema_version: 1
name: carded
origin: {lat_deg: -20.0, lon_deg: -15.0}
assets:
  - {name: site, position: {lat_deg: -20.0, lon_deg: -15.0}, value: 1}
threat_types:
  - card: generic-srbm
  - card: generic-cruise-missile
    name: slow-cm
    speed_mps: 200
interceptor_types:
  - card: s400-class-long-range-interceptor
    unit_cost_usd: 1.5e6
  - card: s400-class-medium-range-interceptor
  - card: s400-class-short-range-interceptor
batteries:
  - card: s400-class-battery
    name: b1
    position: {lat_deg: -19.9, lon_deg: -15.0}
    command_post: {max_targets_engaged: 10}
raid:
  waves:
    - {threat: generic-srbm, count: 2, launch_area: {lat_deg: -17, lon_deg: -15}, aimpoints: [site]}
"""


def test_cards_resolve_with_overrides(write) -> None:
    s = load_scenario(write(SCEN))
    srbm, cm = s.threat_types
    assert srbm.name == "generic-srbm" and srbm.rcs_m2 == 0.1 and srbm.trajectory == "ballistic"
    assert cm.name == "slow-cm" and cm.speed_mps == 200 and cm.cruise_altitude_m == 50
    lr = s.interceptor_types[0]
    assert lr.unit_cost_usd == 1.5e6 and lr.max_range_m == 380_000 and lr.sspk.ballistic == 0.5
    b = s.batteries[0]
    # A nested mapping override merges key by key with the card it overrides.
    assert b.command_post.max_targets_engaged == 10
    assert b.command_post.max_interceptors_guided == 72
    assert [r.role for r in b.radars] == ["acquisition", "engagement"]
    assert [(ln.name, ln.count) for ln in b.launchers] == [
        ("tel-long", 2),
        ("tel-medium", 4),
        ("tel-short", 2),
    ]
    assert b.launchers[2].loadout[0].rounds == 16


def test_list_override_replaces_the_whole_list(write) -> None:
    text = SCEN.replace(
        "    command_post: {max_targets_engaged: 10}\n",
        "    launchers:\n      - card: s400-class-launcher-small\n        count: 6\n",
    )
    b = load_scenario(write(text)).batteries[0]
    assert [(ln.name, ln.count, ln.loadout[0].rounds) for ln in b.launchers] == [
        ("s400-class-launcher-small", 6, 16)
    ]


def test_card_sources_lists_cards_places_and_overrides(write) -> None:
    s = load_scenario(write(SCEN))
    srcs = {c.card: c for c in card_sources(s)}
    assert set(srcs) == {
        "generic-srbm",
        "generic-cruise-missile",
        "s400-class-long-range-interceptor",
        "s400-class-medium-range-interceptor",
        "s400-class-short-range-interceptor",
        "s400-class-battery",
        "s400-class-command-post",
        "s400-class-acquisition-radar",
        "s400-class-engagement-radar",
        "s400-class-launcher-large",
        "s400-class-launcher-small",
    }
    lr = srcs["s400-class-long-range-interceptor"]
    assert lr.used_at == ("interceptor_types.0",)
    assert lr.overridden == ("interceptor_types.0.unit_cost_usd",)
    assert "sspk.ballistic" in lr.notional_fields
    assert srcs["s400-class-command-post"].overridden == (
        "batteries.0.command_post.max_targets_engaged",
    )
    # Values the battery card sets on its radars are not scenario overrides.
    assert srcs["s400-class-acquisition-radar"].overridden == ()
    assert srcs["s400-class-launcher-large"].used_at == (
        "batteries.0.launchers.0",
        "batteries.0.launchers.1",
    )
    d = lr.to_dict()
    assert d["file"] == "shieldlab/scenario/catalog/s400-class-long-range-interceptor.yaml"
    assert all(p["source"] for p in d["parameters"])


def test_card_sources_of_the_default_scenario() -> None:
    names = [c.card for c in card_sources(builtin_scenario("four-batteries"))]
    assert "s400-class-battery" in names and "generic-srbm" in names
    assert card_sources(builtin_scenario("closed-form")) == []


CARD_ERRORS = [
    (
        "unknown card",
        "  - card: generic-srbm\n",
        "  - card: generic-icbm\n",
        "threat_types.0.card",
        "unknown card 'generic-icbm'; known cards: ",
        "generic-icbm",
    ),
    (
        "card of the wrong kind",
        "  - card: generic-srbm\n",
        "  - card: s400-class-engagement-radar\n",
        "threat_types.0.card",
        "card 's400-class-engagement-radar' is a radar card; a threat_type card is needed here",
        "card: s400-class-engagement-radar",
    ),
    (
        "card where no card may go",
        "origin: {lat_deg: -20.0, lon_deg: -15.0}",
        "origin: {card: generic-srbm}",
        "origin.card",
        "cards can be used only for",
        "origin:",
    ),
    (
        "card name not a string",
        "  - card: generic-srbm\n",
        "  - card: [generic-srbm]\n",
        "threat_types.0.card",
        "card must be the name of a catalog card",
        "card: [generic-srbm]",
    ),
    (
        "bad override value",
        "    unit_cost_usd: 1.5e6",
        "    unit_cost_usd: -1.5e6",
        "interceptor_types.0.unit_cost_usd",
        "must be >= 0",
        "unit_cost_usd: -1.5e6",
    ),
    (
        "override breaking a cross-field rule",
        "    unit_cost_usd: 1.5e6",
        "    min_range_m: 500000",
        "interceptor_types.0.min_range_m",
        "min_range_m (500000) is above max_range_m (380000)",
        "min_range_m: 500000",
    ),
    (
        "override clashing with a value from the card",
        "    unit_cost_usd: 1.5e6",
        "    max_range_m: 4000",
        "interceptor_types.0.min_range_m",
        "min_range_m (5000) is above max_range_m (4000) (value from card "
        "'s400-class-long-range-interceptor')",
        "- card: s400-class-long-range-interceptor",
    ),
    (
        "unknown override field",
        "    speed_mps: 200",
        "    speed_mph: 200",
        "threat_types.1.speed_mph",
        "unknown field 'speed_mph'",
        "speed_mph",
    ),
    (
        "nested override of an unknown field",
        "{max_targets_engaged: 10}",
        "{max_targets: 10}",
        "batteries.0.command_post.max_targets",
        "unknown field 'max_targets'",
        "max_targets: 10",
    ),
    (
        "card-named loadout type missing from the scenario",
        "  - card: s400-class-short-range-interceptor\n",
        "",
        "batteries.0.launchers.2.loadout.0.interceptor",
        "unknown interceptor type 's400-class-short-range-interceptor'",
        "- card: s400-class-battery",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment", "needle"),
    [c[1:] for c in CARD_ERRORS],
    ids=[c[0] for c in CARD_ERRORS],
)
def test_card_errors_name_file_line_field(
    write, old: str, new: str, field: str, fragment: str, needle: str
) -> None:
    assert old in SCEN
    text = SCEN.replace(old, new, 1)
    p = write(text)
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    e = exc.value
    assert e.location.file == str(p)
    assert e.location.field == field
    assert fragment in e.message
    assert e.location.line == line_of(text, needle)


def test_bad_card_file_is_reported_with_its_line(write) -> None:
    p = write(
        "schema_version: 1\ncard: x\nkind: radar\ntitle: t\ndescription: d\nvalues:\n"
        "  pfa: {value: 0.1, unit: '-', source: NOTIONAL test, lo: 0}\n",
        name="x.yaml",
    )
    with pytest.raises(InputError) as exc:
        load_card(p)
    assert exc.value.location.line == 7
    assert exc.value.location.field == "values.pfa.lo"
    assert "unknown field 'lo'" in exc.value.message


def test_card_without_source_is_refused(write) -> None:
    p = write(
        "schema_version: 1\ncard: x\nkind: radar\ntitle: t\ndescription: d\nvalues:\n"
        "  pfa: {value: 0.1, unit: '-'}\n",
        name="x.yaml",
    )
    with pytest.raises(InputError, match="parameter entries"):
        load_card(p)


def test_docs_catalog_matches_the_cards() -> None:
    from pathlib import Path

    from shieldlab.scenario.cards import catalog_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"
    if not doc.is_file():
        pytest.skip("docs/catalog.md is not present in this checkout")
    text = doc.read_text(encoding="utf-8")
    begin, end = "<!-- begin generated catalog -->\n", "<!-- end generated catalog -->"
    generated = text[text.index(begin) + len(begin) : text.index(end)]
    assert generated == catalog_markdown(), "regenerate docs/catalog.md from catalog_markdown()"


def test_catalog_is_reread_when_a_card_file_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """load_catalog keeps a parsed catalog while its files are unchanged (speed), and sees
    an edited, added or removed card at once."""
    import os
    import shutil

    from shieldlab.scenario.cards import catalog_dir

    d = tmp_path / "cat"
    shutil.copytree(catalog_dir(), d)
    first = load_catalog(d)
    assert load_catalog(d) == first
    card = d / "generic-srbm.yaml"
    text = card.read_text()
    assert "unit_cost_usd" in text
    card.write_text(text.replace("value: 3000000", "value: 4000000", 1))
    st = card.stat()
    os.utime(card, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert load_catalog(d)["generic-srbm"].nominal["unit_cost_usd"] == 4_000_000
    (d / "generic-decoy.yaml").unlink()
    assert "generic-decoy" not in load_catalog(d)
    # The returned mapping is the caller's: changing it does not change the next one.
    got = load_catalog(d)
    got.pop("generic-srbm")
    assert "generic-srbm" in load_catalog(d)
