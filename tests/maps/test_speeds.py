"""Speeds: tagged maxspeed values, French defaults per class, overrides and the driving factor."""

import pytest

from maps.speeds import DEFAULT_SPEEDS_KPH, SpeedModel, parse_maxspeed


@pytest.mark.parametrize("raw, kph", [
    ("50", 50.0), ("50 km/h", 50.0), ("30 mph", 30 * 1.609344), ("FR:urban", 50.0), ("FR:rural", 80.0),
    ("FR:motorway", 130.0), ("fr:zone30", 30.0), ("50;70", 50.0), ("70;50", 50.0),
    ("none", None), ("signals", None), ("", None), (None, None), ("0", None), ("999", None), ("DE:urban", None),
])
def test_parse_maxspeed(raw, kph):
    got = parse_maxspeed(raw)
    assert got == pytest.approx(kph) if kph is not None else got is None


def test_french_defaults_documented_values():
    d = DEFAULT_SPEEDS_KPH
    assert (d["motorway"], d["trunk"], d["primary"], d["secondary"], d["tertiary"]) == (130, 110, 80, 80, 80)
    assert (d["unclassified"], d["residential"], d["living_street"], d["service"]) == (70, 40, 20, 20)
    assert all(k in d for k in ("motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link"))
    assert "track" not in d and "footway" not in d and "cycleway" not in d


def test_overrides_removal_and_driving_factor():
    model = SpeedModel.build({"residential": 30, "track": 15, "service": None}, driving_factor=0.9)
    assert model.speed_kph("residential") == (pytest.approx(27.0), False)
    assert model.speed_kph("primary", "50") == (pytest.approx(45.0), True)
    assert model.speed_kph("primary", "none") == (pytest.approx(72.0), False)
    assert model.drivable("track") and not model.drivable("service") and not model.drivable(None)
    assert model.key() != SpeedModel.build().key()
    with pytest.raises(ValueError):
        SpeedModel.build(driving_factor=0)
    with pytest.raises(ValueError):
        SpeedModel.build({"primary": -5})
