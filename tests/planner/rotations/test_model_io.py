"""Problem reading, validation errors naming record and field, JSON round trips, need estimation."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from planner.core.errors import InputError
from planner.rotations.io import (problem_from_dict, problem_to_dict, read_problem, read_problem_csv,
                                  solution_from_dict, solution_to_dict)
from planner.rotations.need import estimate_demand, estimate_priority_population
from .conftest import problem_dict

REPO = Path(__file__).resolve().parents[3]


def test_reads_and_round_trips(small):
    data, problem, _ = small
    assert [u.id for u in problem.units] == ["U1", "U2"]
    assert problem.units[0].dates[0] == date(2026, 11, 30) and problem.units[0].is_rest(date(2026, 12, 5))
    assert problem.premises_by_id()["M77001"].hours is None  # uses the town hall's hours
    assert problem.default_hours(problem.premises_by_id()["M77001"]).on(0)
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(problem))))
    assert problem_to_dict(again) == problem_to_dict(problem)


def test_priority_population_and_demand_estimated_when_missing(small):
    _, problem, _ = small
    c = problem.commune_by_insee()["77001"]
    assert c.priority_estimated and c.priority_population == estimate_priority_population(1200) == 360
    assert c.demand == estimate_demand(360, 5) and c.demand["gp"] > 0
    data = problem_dict()
    data["communes"][0]["priority_population"] = 100
    data["communes"][0]["demand"] = {"gp": 7}
    c = problem_from_dict(data).commune_by_insee()["77001"]
    assert (c.priority_population, c.demand, c.demand_estimated) == (100, {"gp": 7}, False)


@pytest.mark.parametrize("mutate, record, field", [
    (lambda d: d["units"][0].__setitem__("members", []), "unit U1", "members"),
    (lambda d: d["units"][0]["members"][0].__setitem__("role", "surgeon"), "unit U1 member d1", "role"),
    (lambda d: d["units"][0].__setitem__("start", "30/11/2026"), "unit U1", "start"),
    (lambda d: d["premises"][2].__setitem__("hours", []), "premises S77003", "hours"),
    (lambda d: d["premises"][0].__setitem__("rooms", "two"), "premises M77001", "rooms"),
    (lambda d: d["communes"][1].__setitem__("population", -3), "commune 77002", "population"),
    (lambda d: d["units"][1].__setitem__("nights", "away"), "unit U2", "lodging"),
])
def test_bad_input_names_record_and_field(mutate, record, field):
    data = problem_dict()
    if field == "hours":  # no own hours and no town-hall hours either
        data["communes"][2]["townhall_hours"] = []
    mutate(data)
    with pytest.raises(InputError) as exc:
        problem_from_dict(data, source="p.json")
    assert exc.value.field == field and record in str(exc.value) and exc.value.source == "p.json"


def test_mission_length_outside_3_15_is_a_warning():
    data = problem_dict()
    data["units"][0]["days"] = 2
    data["units"][1]["days"] = 16
    problem = problem_from_dict(data)
    assert any("U1" in w and "2 days" in w for w in problem.warnings)
    assert any("U2" in w and "16 days" in w for w in problem.warnings)


def test_unreachable_premises_is_an_error(small):
    from planner.rotations.reach import check_matrix
    from planner.core.travel import UNREACHABLE, TravelMatrix

    data, problem, m = small
    sec = m.seconds.copy()
    k = m.index("S77003")
    sec[:, k] = UNREACHABLE
    sec[k, :] = UNREACHABLE
    broken = TravelMatrix(m.ids, sec, m.metres, True, "test")
    with pytest.raises(InputError) as exc:
        check_matrix(problem, broken)
    assert "S77003" in str(exc.value) and "reached by road" in str(exc.value)


def test_csv_form(tmp_path):
    (tmp_path / "units.csv").write_text(
        "id,name,vehicle,base_id,base_lat,base_lon,start,days,rest_weekdays\n"
        "U1,Unité 1,car,base:U1,48.56,3.30,2026-11-30,4,samedi;dimanche\n", encoding="utf-8")
    (tmp_path / "members.csv").write_text("unit_id,id,name,role,unavailable\nU1,d1,Dr A,doctor,2026-12-01\n",
                                          encoding="utf-8")
    (tmp_path / "premises.csv").write_text("id,name,insee,lat,lon,rooms,status\nM77001,Mairie,77001,48.56,3.33,1,\n",
                                           encoding="utf-8")
    (tmp_path / "communes.csv").write_text(
        'insee,name,population,townhall_lat,townhall_lon,townhall_hours,demand_gp\n'
        '77001,Commune,900,48.56,3.33,"[[""lundi"",""vendredi"",[[""09:00"",""12:00""]]]]",5\n', encoding="utf-8")
    problem = read_problem_csv(tmp_path)
    assert problem.units[0].members[0].unavailable == (date(2026, 12, 1),)
    assert problem.communes[0].demand == {"gp": 5}
    (tmp_path / "communes.csv").write_text("insee,name,population\n7700,Bad,10\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_problem_csv(tmp_path)
    assert exc.value.row == 2 and exc.value.field == "insee"


def test_example_files_round_trip():
    problem = read_problem(REPO / "data" / "examples" / "rotation_problem.json")
    assert problem.kind == "rotation" and problem.matrix_ref
    sol_path = REPO / "data" / "examples" / "rotation_solution.json"
    data = json.loads(sol_path.read_text(encoding="utf-8"))
    assert solution_to_dict(solution_from_dict(copy.deepcopy(data))) == data


def test_example_solution_passes_check():
    from planner.kinds import check_files

    ex = REPO / "data" / "examples"
    assert check_files(ex / "rotation_problem.json", ex / "rotation_solution.json") == []
