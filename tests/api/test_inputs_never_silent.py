"""Issue 16: inputs never fail silently. Each case writes its own small files (French headers, a
Windows-1252 file, a header-only file, mismatched problem and solution...) and checks the message, the
exit code, the absence of a traceback and that nothing reaches the output folder."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, datetime
from pathlib import Path

from api.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
PATIENTS = EXAMPLES / "home_visits_patients.csv"
STAFF = EXAMPLES / "home_visits_staff.csv"


def _plan(tmp_path, patients, staff, *extra):
    out = tmp_path / "out"
    code = main(["plan", "visits", "--patients", str(patients), "--staff", str(staff), "--start", "2026-03-02",
                 "--days", "14", "--matrix", str(EXAMPLES / "home_visits_matrix.json"), "--out", str(out),
                 "--time-limit", "1", "--seed", "1", "--deterministic", *extra])
    return code, out


def _flat(text: str) -> str:
    return " ".join(text.split())  # the console wraps long lines


def _french_staff(tmp_path, days=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")):
    lines = STAFF.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    for en, fr in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), days):
        header[header.index(en)] = fr
    header[header.index("name")] = "Nom"
    path = tmp_path / "staff_fr.csv"
    path.write_text("\n".join([",".join(header), *lines[1:]]) + "\n", encoding="utf-8")
    return path


def test_french_day_columns_are_read(tmp_path):
    code, out = _plan(tmp_path, PATIENTS, _french_staff(tmp_path))
    assert code == 0
    sol = json.loads((out / "solution.json").read_text(encoding="utf-8"))
    assert sol["routes"], "staff hours read from 'lundi'... columns: the plan has rounds"
    problem = json.loads((out / "problem.json").read_text(encoding="utf-8"))
    assert problem["staff"][0]["mon"] == "08:30-12:30"


def test_misspelt_column_names_it_and_the_closest_and_writes_nothing(tmp_path, capsys):
    code, out = _plan(tmp_path, PATIENTS, _french_staff(tmp_path, ("lundi", "mardi", "mecredi", "jeudi",
                                                                   "vendredi", "samedi", "dimanche")))
    err = _flat(capsys.readouterr().err)
    assert code == 2 and "Traceback" not in err
    assert "staff_fr.csv" in err and "row 1" in err and "'mecredi'" in err and "mercredi" in err and "wed" in err
    assert not out.exists()


def test_missing_required_column(tmp_path, capsys):
    text = PATIENTS.read_text(encoding="utf-8").replace("id,name,lat,", "ident_patient,name,lat,", 1)
    (tmp_path / "p.csv").write_text(text, encoding="utf-8")
    code, out = _plan(tmp_path, tmp_path / "p.csv", STAFF)
    err = _flat(capsys.readouterr().err)
    assert code == 2 and "required column 'id' is missing" in err and "ident_patient" in err
    assert not out.exists()


def test_windows_1252_semicolons_and_decimal_commas(tmp_path):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")  # French Excel: "CSV (séparateur : point-virgule)"
    for r in csv.reader(PATIENTS.read_text(encoding="utf-8").splitlines()):
        w.writerow([c.replace(".", ",") if c.replace(".", "").isdigit() and "." in c else c for c in r])
    assert "48,5552" in buf.getvalue() and '"D;N"' in buf.getvalue()
    path = tmp_path / "patients_excel.csv"
    path.write_bytes(buf.getvalue().encode("cp1252"))
    assert b"\xe9" in path.read_bytes()
    code, out = _plan(tmp_path, path, STAFF)
    assert code == 0
    problem = json.loads((out / "problem.json").read_text(encoding="utf-8"))
    assert problem["patients"][1]["name"] == "René Moreau (fictif)"
    assert problem["patients"][0]["lat"] == 48.5552


def test_a_workbook_renamed_csv_is_refused_with_the_fix_in_french(tmp_path, capsys):
    (tmp_path / "p.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    code, out = _plan(tmp_path, tmp_path / "p.csv", STAFF)
    err = _flat(capsys.readouterr().err)
    assert code == 2 and "p.csv" in err and "CSV UTF-8" in err and "Enregistrer sous" in err
    assert "codec" not in err and not out.exists()


def test_header_only_patients_file_is_an_error(tmp_path, capsys):
    (tmp_path / "p.csv").write_text(PATIENTS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    code, out = _plan(tmp_path, tmp_path / "p.csv", STAFF)
    err = _flat(capsys.readouterr().err)
    assert code == 2 and "p.csv" in err and "no patient" in err and "Plan vérifié" not in err
    assert not out.exists()
    (tmp_path / "empty.csv").write_bytes(b"")
    code, _ = _plan(tmp_path, tmp_path / "empty.csv", STAFF)
    assert code == 2 and "empty file" in _flat(capsys.readouterr().err)


def test_duplicate_patient_id_names_file_and_row(tmp_path, capsys):
    lines = PATIENTS.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1])
    (tmp_path / "p.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = _plan(tmp_path, tmp_path / "p.csv", STAFF)
    err = _flat(capsys.readouterr().err)
    assert code == 2 and "p.csv" in err and f"row {len(lines)}" in err and "P01" in err and "row 2" in err
    assert not out.exists()


def test_preferred_staff_error_names_the_patients_row(tmp_path, capsys):
    text = PATIENTS.read_text(encoding="utf-8").replace(",D1,,1,0,0", ",D9,,1,0,0", 1)
    (tmp_path / "p.csv").write_text(text, encoding="utf-8")
    code, _ = _plan(tmp_path, tmp_path / "p.csv", STAFF)
    err = _flat(capsys.readouterr().err)
    assert code == 2 and "p.csv, row 2" in err and "preferred_doctor" in err


def test_check_refuses_a_problem_and_solution_of_different_kinds(tmp_path, capsys):
    code = main(["check", str(EXAMPLES / "rotation_problem.json"), str(EXAMPLES / "home_visits_solution.json")])
    out, err = capsys.readouterr()
    assert code == 2 and "do not belong together" in _flat(err) and "✗" not in out


def test_check_refuses_a_solution_of_another_problem(tmp_path, capsys):
    shutil.copy(EXAMPLES / "home_visits_problem.json", tmp_path / "problem.json")
    shutil.copy(EXAMPLES / "home_visits_matrix.json", tmp_path / "home_visits_matrix.json")
    sol = json.loads((EXAMPLES / "home_visits_solution.json").read_text(encoding="utf-8"))
    for r in sol["routes"]:
        r["staff_id"] = "X" + r["staff_id"]
    (tmp_path / "solution.json").write_text(json.dumps(sol), encoding="utf-8")
    code = main(["check", str(tmp_path / "problem.json"), str(tmp_path / "solution.json")])
    out, err = capsys.readouterr()
    assert code == 2 and "does not belong to this problem" in _flat(err) and "XD1" in err and "✗" not in out
    exports = tmp_path / "exports"
    code = main(["export", str(tmp_path / "solution.json"), "--problem", str(tmp_path / "problem.json"),
                 "--format", "summary", "--out", str(exports)])
    assert code == 2 and "does not belong" in _flat(capsys.readouterr().err) and not exports.exists()


def test_rotation_violations_print_times_as_hhmm():
    from planner import kinds
    from planner.rotations.check import check
    from planner.rotations.io import read_solution
    from dataclasses import replace

    kind = kinds.get("rotation")
    problem = kind.read_problem(EXAMPLES / "rotation_problem.json")
    matrix = kinds.problem_matrix(kind, problem, EXAMPLES / "rotation_problem.json")
    sol = read_solution(EXAMPLES / "rotation_solution.json")
    s0 = sol.sessions[0]
    bad = replace(sol, sessions=(replace(s0, start_min=7 * 60, end_min=12 * 60), *sol.sessions[1:]))
    text = " ".join(check(problem, matrix, bad))
    assert "07:00-12:00 outside the half-day window 08:30-12:30" in text
    assert "420" not in text


def test_break_sheets_and_calendars_carry_no_patient_or_link():
    from api.outputs.calendar import stop_event
    from api.outputs.sheets import sheet_days
    from planner.core.geo import Location
    from planner.core.itinerary import DayItinerary, ItineraryStop, PlanView

    home = Location(48.55, 3.28)
    at = lambda h: datetime(2026, 3, 2, h)  # noqa: E731
    stops = (ItineraryStop(0, "depart", "base", "Maison de santé", Location(48.56, 3.30), at(8), at(8), at(8)),
             ItineraryStop(1, "visit", "P01", "Jeanne Petit", home, at(9), at(9), at(10), patient_id="P01",
                           patient_name="Jeanne Petit"),
             ItineraryStop(2, "break", "P01", "Jeanne Petit", home, at(12), at(12), at(13),
                           what="Pause déjeuner (45 min)"),
             ItineraryStop(3, "return", "base", "Maison de santé", Location(48.56, 3.30), at(14), at(14), at(14)))
    view = PlanView("home_visits", "t", (DayItinerary("N1", "Marie", "nurse", date(2026, 3, 2), stops),))
    pause = [s for s in sheet_days(view, list(view.itineraries), None)[0]["stops"] if s.kind == "break"][0]
    assert pause.place == "" and pause.geo == "" and pause.osm == "" and pause.address == ""
    ev = stop_event(stops[2], "u", "Pause déjeuner (45 min)", "", at(8))
    assert "location" not in ev and "geo" not in ev


def test_console_names_the_travel_model_once_and_the_workload(tmp_path, capsys):
    code, out = _plan(tmp_path, PATIENTS, STAFF)
    text = _flat(capsys.readouterr().out)
    assert code == 0 and text.count("Temps de trajet") == 1 and "vol d'oiseau" in text
    assert "Charge — Dr Martin (fictif) :" in text and "visite(s)" in text and "h de tournée" in text
    sol = json.loads((out / "solution.json").read_text(encoding="utf-8"))
    assert sol["travel"]["model"] == "approximate"


def test_export_without_network_flag_keeps_the_road_label(tmp_path, capsys):
    shutil.copy(EXAMPLES / "home_visits_problem.json", tmp_path / "problem.json")
    m = json.loads((EXAMPLES / "home_visits_matrix.json").read_text(encoding="utf-8"))
    m.update(approximate=False, source="road network fr77_test.osm (maxspeed)", network="fr77_test.osm")
    (tmp_path / "home_visits_matrix.json").write_text(json.dumps(m), encoding="utf-8")
    sol = json.loads((EXAMPLES / "home_visits_solution.json").read_text(encoding="utf-8"))
    sol["travel"] = {"model": "road", "network": "fr77_test.osm", "detail": m["source"]}
    (tmp_path / "solution.json").write_text(json.dumps(sol), encoding="utf-8")
    code = main(["export", str(tmp_path / "solution.json"), "--problem", str(tmp_path / "problem.json"),
                 "--format", "summary,sheet", "--out", str(tmp_path / "x")])
    text = _flat(capsys.readouterr().out)
    assert code == 0 and "approximatif" not in text and text.count("réseau routier fr77_test.osm") == 1
    summary = next((tmp_path / "x").rglob("*.html")).read_text(encoding="utf-8")
    assert "fr77_test.osm" in summary


def test_rotation_csv_folder_unknown_column_and_unknown_unit(tmp_path, capsys):
    from planner.core.errors import InputError, InputErrors
    from planner.rotations.io import read_problem_csv
    import pytest

    (tmp_path / "units.csv").write_text("id;nom;debut;jours;base_lat;base_lon\nU1;Unité;2026-12-01;5;48,56;3,30\n",
                                        encoding="cp1252")
    (tmp_path / "members.csv").write_text("unit_id,id,name,role\nU1,d1,Dr A,doctor\n", encoding="utf-8")
    (tmp_path / "premises.csv").write_text("id,name,insee,lat,lon,rooms,statuts\nM1,Mairie,77001,48.56,3.33,1,\n",
                                           encoding="utf-8")
    (tmp_path / "communes.csv").write_text("insee,name,population\n77001,A,900\n", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        read_problem_csv(tmp_path)
    assert "premises.csv, row 1, field 'statuts'" in str(exc.value) and "'status'" in str(exc.value)
    (tmp_path / "premises.csv").write_text("id,name,insee,lat,lon,rooms\nM1,Mairie,77001,48.56,3.33,1\n",
                                           encoding="utf-8")
    (tmp_path / "members.csv").write_text("unit_id,id,name,role\nU2,d1,Dr A,doctor\n", encoding="utf-8")
    with pytest.raises(InputError) as exc1:
        read_problem_csv(tmp_path)
    assert "members.csv, row 2, field 'unit_id'" in str(exc1.value)


def test_service_import_reads_french_excel_and_names_unknown_columns(client, world):
    h = world.headers("planner")
    data = ("Code;Nom;Adresse;INSEE;Latitude;Longitude\r\nE1;Émilie Fictive;1 rue;77379;48,55;3,29\r\n"
            ";;;;;\r\n").encode("cp1252")
    r = client.post("/imports/patients", files={"file": ("p.csv", data, "text/csv")}, headers=h)
    assert r.status_code == 200 and r.json()["imported"] == 1
    names = {p["code"]: p["name"] for p in client.get("/patients", headers=h).json()}
    assert names["E1"] == "Émilie Fictive"
    bad = "code;nom;insee;lat;lon;frequence_jour\nE2;X;77379;48.5;3.2;14\n".encode("utf-8")
    r = client.post("/imports/patients", files={"file": ("p.csv", bad, "text/csv")}, headers=h)
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["row"] == 1 and err["field"] == "frequence_jour" and "frequency_days" in err["msg"]
    header_only = b"code;name;insee;lat;lon\n"
    r = client.post("/imports/patients", files={"file": ("p.csv", header_only, "text/csv")}, headers=h)
    assert r.status_code == 422
