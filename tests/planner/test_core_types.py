"""Core types shared by every planner: travel matrix, opening hours, communes, synthetic scenario."""

from pathlib import Path

import numpy as np
import pytest

from maps.approx import approximate_matrix
from planner.core.errors import InputError, InputErrors
from planner.core.geo import Location, distance_m
from planner.core.hours import WeeklyHours
from planner.synthetic import generate
from planner.core.territory import read_communes
from planner.core.travel import UNREACHABLE, TravelMatrix, to_int

DEMO = Path(__file__).resolve().parents[2] / "data" / "provinois" / "communes.csv"
PROVINS = Location(48.560245, 3.299208)
BRAY = Location(48.414887, 3.239597)


def test_location_rejects_out_of_range_and_nan():
    with pytest.raises(ValueError, match="lat"):
        Location(148.5, 3.2)
    with pytest.raises(ValueError, match="lon"):
        Location(48.5, float("nan"))


def test_great_circle_provins_bray_is_about_17_km():
    assert 16_000 < distance_m(PROVINS, BRAY) < 17_500


def test_to_int_rounds_half_up_and_maps_inf_to_unreachable():
    assert to_int([0.4, 0.5, 1.5, np.inf, np.nan]).tolist() == [0, 1, 2, UNREACHABLE, UNREACHABLE]


def test_travel_matrix_lookup_sub_and_json_roundtrip(tmp_path):
    m = approximate_matrix(["a", "b", "c"], [PROVINS, BRAY, PROVINS])
    assert m.approximate and "approximate travel times" in m.source
    assert m.time_s("a", "c") == 0 and m.time_s("a", "b") == m.time_s("b", "a") > 0
    # 50 km/h, circuity 1.3: seconds = metres / 13.89
    assert abs(m.time_s("a", "b") - m.distance_m("a", "b") / (50 / 3.6)) <= 1
    sub = m.sub(["b", "a"])
    assert sub.ids == ("b", "a") and sub.time_s("b", "a") == m.time_s("b", "a")
    m.save(tmp_path / "m.json")
    back = TravelMatrix.load(tmp_path / "m.json")
    assert back.ids == m.ids and (back.seconds == m.seconds).all() and back.approximate


def test_travel_matrix_unknown_id_and_duplicates_are_named():
    m = approximate_matrix(["a", "b"], [PROVINS, BRAY])
    with pytest.raises(InputError, match="'zz'"):
        m.index("zz")
    with pytest.raises(InputError, match="duplicate"):
        approximate_matrix(["a", "a"], [PROVINS, BRAY])


def test_unreachable_pairs_are_listed():
    secs = np.array([[0, 5], [UNREACHABLE, 0]])
    m = TravelMatrix(("a", "b"), secs, secs)
    assert not m.reachable("b", "a") and m.reachable("a", "b")
    assert m.unreachable_from_all() == ["a", "b"]


def test_french_opening_hours_ranges_cover_every_day():
    h = WeeklyHours.from_fr_json('[["lundi","mercredi",[["08:30:00","12:00:00"],["13:30:00","16:30:00"]]],'
                                 '["samedi","samedi",[["10:00:00","12:00:00"]]]]')
    assert [len(h.on(d)) for d in range(7)] == [2, 2, 2, 0, 0, 1, 0]
    assert h.on(0)[0].start_min == 8 * 60 + 30 and h.on(5)[0].label == "10:00-12:00"
    assert WeeklyHours.from_fr_json(h.to_fr_json()) == h
    assert "mardi 08:30-12:00, 13:30-16:30" in h.describe_fr()


@pytest.mark.parametrize("text", ['[["lundy","lundi",[["08:00","12:00"]]]]', '[["lundi","lundi",[["12:00","08:00"]]]]',
                                  "not json"])
def test_bad_opening_hours_are_refused(text):
    with pytest.raises(ValueError):
        WeeklyHours.from_fr_json(text)


def test_demo_territory_reads_74_communes():
    communes = read_communes(DEMO)
    assert len(communes) == 74
    provins = next(c for c in communes if c.insee == "77379")
    assert provins.name == "Provins" and provins.population > 10_000 and not provins.townhall_hours.is_empty
    assert all(c.insee not in {"77404", "77405"} for c in communes)  # wrong coordinates, see data/README.md


def test_bad_commune_rows_are_all_reported_with_row_and_field(tmp_path):
    bad = tmp_path / "communes.csv"
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    bad.write_text("\n".join([header, first.replace(first.split(",")[0], "7701", 1),
                              second, second.replace(second.split(",")[3], "many", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        read_communes(bad)
    text = str(exc.value)
    assert "row 2, field 'insee'" in text and "row 4, field 'population'" in text


def test_missing_column_and_missing_file_are_named(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("insee,name\n77001,X\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_communes(f)
    with pytest.raises(InputError, match="cannot open"):
        read_communes(tmp_path / "nope.csv")


def test_synthetic_scenario_is_deterministic_and_marked():
    communes = read_communes(DEMO)
    a, b = generate(communes, seed=3), generate(communes, seed=3)
    assert a == b
    assert generate(communes, seed=4).patients != a.patients
    assert len(a.patients) == 300 and all("(fictif)" in p.name for p in a.patients)
    assert {s.role for s in a.staff} == {"doctor", "nurse", "ipa"}
    share_ald = sum(p.ald for p in a.patients) / len(a.patients)
    assert 0.6 < share_ald < 0.8
    # Provins (largest commune) gets the most patients
    counts = {}
    for p in a.patients:
        counts[p.insee] = counts.get(p.insee, 0) + 1
    assert max(counts, key=counts.get) == "77379"


def test_synthetic_people_snap_to_given_road_points():
    communes = read_communes(DEMO)
    road = [Location(48.5 + k * 0.01, 3.1 + k * 0.01) for k in range(20)]
    s = generate(communes, n_patients=30, seed=1, road_points=road)
    assert {p.location for p in s.patients} <= set(road)
