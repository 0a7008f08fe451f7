"""The door time inside the travel times is said on the day sheet's travel line."""

from __future__ import annotations

from dataclasses import replace

from api.outputs.sheets import sheet_days


def test_day_sheet_travel_line_names_the_door_time(home_view):
    d = home_view.itineraries[0]
    door = {s.place_id: 240.0 for s in d.stops}
    view = replace(home_view, extras={**home_view.extras, "door_seconds": door})
    lines = [s.travel for s in sheet_days(view, [d], None)[0]["stops"] if s.travel]
    assert lines and all("dont 4 min pour se garer et aller à la porte" in t for t in lines)
    plain = [s.travel for s in sheet_days(home_view, [d], None)[0]["stops"] if s.travel]
    assert plain and not any("porte" in t for t in plain)  # no door time known: nothing claimed


def test_matrix_json_keeps_door_times(tmp_path):
    import numpy as np

    from planner.core.travel import TravelMatrix

    m = TravelMatrix(("a", "b"), np.array([[0, 100], [100, 0]]), np.array([[0, 900], [900, 0]]), False, "x",
                     door_s=(60.0, 240.0))
    m.save(tmp_path / "m.json")
    back = TravelMatrix.load(tmp_path / "m.json")
    assert back.door_seconds() == {"a": 60.0, "b": 240.0} and back.sub(["b"]).door_seconds() == {"b": 240.0}
