"""`planner network info|download` and `planner matrix` end to end, including bad files (exit 2, no traceback)."""

import csv
import json

import pytest

from api.cli import main
from planner.core.travel import TravelMatrix


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CACHE", str(tmp_path / "cache"))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _points(tmp_path, rows, header="id,lat,lon", name="points.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header] + rows) + "\n", encoding="utf-8")
    return path


def test_network_info_table_and_json(small_osm, capsys):
    assert main(["network", "info", str(small_osm)]) == 0
    out = _flat(capsys.readouterr().out)
    assert "Nœuds" in out and "66.7%" in out and "33.3%" in out and "OpenStreetMap" in out
    assert main(["network", "info", str(small_osm), "--json", "--speed", "residential=30"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nodes"] == 4 and data["edges"] == 9 and "residential=30" in data["speeds"]


def test_matrix_csv_and_json(small_osm, tmp_path, capsys):
    pts = _points(tmp_path, ["A,48.5,3.0", "C,48.5,3.02", "D,48.51,3.02"])
    out = tmp_path / "m.csv"
    assert main(["matrix", "--network", str(small_osm), "--points", str(pts), "--out", str(out),
                 "--door-seconds", "0"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 9 and set(rows[0]) == {"origin", "destination", "seconds", "metres"}
    cell = {(r["origin"], r["destination"]): (int(r["seconds"]), int(r["metres"])) for r in rows}
    assert cell[("A", "A")] == (0, 0) and cell[("C", "D")][0] < cell[("D", "C")][0]  # one-way C -> D
    out_json = tmp_path / "m.json"
    assert main(["matrix", "--network", str(small_osm), "--points", str(pts), "--out", str(out_json),
                 "--driving-factor", "0.5", "--door-seconds", "0"]) == 0
    m = TravelMatrix.load(out_json)
    assert m.time_s("C", "D") == pytest.approx(2 * cell[("C", "D")][0], abs=1)


def test_semicolon_csv_with_decimal_commas(small_osm, tmp_path):
    pts = _points(tmp_path, ["A;48,5;3,0", "B;48,5;3,01"], header="id;lat;lon")
    out = tmp_path / "m.csv"
    assert main(["matrix", "--network", str(small_osm), "--points", str(pts), "--out", str(out),
                 "--door-seconds", "0"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5


@pytest.mark.parametrize("content", [b"", b"not xml at all", b"<html></html>"])
def test_bad_network_files_exit_2(tmp_path, capsys, content):
    path = tmp_path / "bad.osm"
    path.write_bytes(content)
    assert main(["network", "info", str(path)]) == 2
    err = _flat(capsys.readouterr().err)
    assert "bad.osm" in err and "Traceback" not in err


@pytest.mark.parametrize("rows, header, expected", [
    (["A,48.5"], "id,lat", ["row 1", "field 'lon'", "missing column 'lon'"]),
    (["A,48.5,3.0", "B,abc,3.0"], "id,lat,lon", ["row 3", "field 'lat'", "abc"]),
    (["A,48.5,3.0", "A,48.5,3.01"], "id,lat,lon", ["row 3", "field 'id'", "duplicate"]),
    (["A,48.5,3.0", "far,48.6,3.2"], "id,lat,lon", ["row 3", "'far'", "nearest road"]),
    (["A,48.5,3.0", "sw,3.01,48.5"], "id,lat,lon", ["row 3", "'sw'", "swapped"]),
    (["A,48.5,300"], "id,lat,lon", ["row 2", "field 'lon'"]),
    ([], "id,lat,lon", ["no points"]),
])
def test_bad_points_exit_2_naming_file_row_field(small_osm, tmp_path, capsys, rows, header, expected):
    pts = _points(tmp_path, rows, header=header, name="pts.csv")
    code = main(["matrix", "--network", str(small_osm), "--points", str(pts), "--out", str(tmp_path / "o.csv")])
    err = _flat(capsys.readouterr().err)
    assert code == 2, err
    assert "pts.csv" in err and all(e in err for e in expected), err
    assert not (tmp_path / "o.csv").exists()


def test_bad_speed_option_and_missing_points_file(small_osm, tmp_path, capsys):
    assert main(["network", "info", str(small_osm), "--speed", "residential"]) == 2
    assert "--speed" in _flat(capsys.readouterr().err)
    assert main(["matrix", "--network", str(small_osm), "--points", str(tmp_path / "nope.csv"),
                 "--out", str(tmp_path / "o.csv")]) == 2
    assert "nope.csv" in _flat(capsys.readouterr().err)


def test_download_offline_is_a_clear_error(tmp_path, capsys, monkeypatch):
    import osmnx

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to resolve 'nominatim.openstreetmap.org'")

    monkeypatch.setattr(osmnx, "graph_from_place", offline)
    assert main(["network", "download", "--place", "Provins, France", "--out", str(tmp_path / "p.graphml")]) == 2
    err = _flat(capsys.readouterr().err)
    assert "online" in err and "Traceback" not in err
    assert main(["network", "download", "--bbox", "3.0,48.5"]) == 2
    assert "--bbox" in _flat(capsys.readouterr().err)


def test_download_saves_graphml_that_loads_offline(small_osm, tmp_path, capsys, monkeypatch):
    import osmnx

    graph = osmnx.graph_from_xml(small_osm, retain_all=True)
    monkeypatch.setattr(osmnx, "graph_from_place", lambda *a, **k: graph)  # stands in for the online call
    from maps.network import download_path

    assert main(["network", "download", "--place", "Petit Village, France"]) == 0
    saved = download_path("Petit Village, France")
    assert saved.exists() and str(tmp_path / "cache") in str(saved)
    capsys.readouterr()
    assert main(["network", "info", str(saved), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nodes"] == 4
