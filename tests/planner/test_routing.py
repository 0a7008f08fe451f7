"""The routing core on tiny hand-checkable problems; every solution goes through check_routing."""

from dataclasses import replace

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.routing import (Break, Route, RoutingProblem, RoutingSolution, Stop, Vehicle, Visit,
                             check_routing, objective_value)
from planner.routing_ortools import solve_routing

H = 3600


def line_problem(n: int = 6, **kw) -> RoutingProblem:
    """Depot at 0 and n places on a line, 10 minutes apart; two vehicles working 8:00-18:00."""
    xs = np.arange(n + 1)
    seconds = np.abs(xs[:, None] - xs[None, :]) * 600
    metres = np.abs(xs[:, None] - xs[None, :]) * 8000
    vehicles = (Vehicle("a", 0, 0, 8 * H, 18 * H), Vehicle("b", 0, 0, 8 * H, 18 * H))
    stops = tuple(Stop(f"s{i}", i, service_s=1800) for i in range(1, n + 1))
    return RoutingProblem(seconds, metres, kw.pop("vehicles", vehicles), kw.pop("stops", stops), **kw)


def solve(problem, **kw):
    kw.setdefault("time_limit_s", 1)
    solution = solve_routing(problem, **kw)
    assert solution.found
    assert check_routing(problem, solution) == []
    return solution


def visits(solution):
    return {x.stop_id: x for r in solution.routes for x in r.visits}


def test_all_stops_served_and_objective_recomputed():
    p = line_problem()
    s = solve(p)
    assert s.dropped == ()
    assert set(visits(s)) == {f"s{i}" for i in range(1, 7)}
    assert s.objective == objective_value(p, s)
    # One round trip to the far end is the cheapest: 2 x 6 legs of 600 s.
    assert s.objective == 7200


def test_distance_objective_uses_metres():
    p = line_problem(objective="distance")
    s = solve(p)
    assert s.objective == 2 * 6 * 8000
    assert sum(r.travel_m for r in s.routes) == 2 * 6 * 8000


def test_windows_respected_including_multiple_windows():
    stops = list(line_problem().stops)
    stops[0] = replace(stops[0], windows=((14 * H, 15 * H),))
    stops[5] = replace(stops[5], windows=((8 * H, 8 * H + 10), (16 * H, 16 * H + 600)))
    p = line_problem(stops=tuple(stops))
    v = visits(solve(p))
    assert 14 * H <= v["s1"].start_s <= 15 * H
    # s6 is an hour's drive from the depot: the 8:00 window is out of reach, only the 16:00 one is left.
    assert 16 * H <= v["s6"].start_s <= 16 * H + 600


def test_break_is_placed_and_does_not_overlap_visits():
    lunch = Break(12 * H, 13 * H, 3600)
    vehicles = (Vehicle("a", 0, 0, 8 * H, 18 * H, breaks=(lunch,)),)
    stops = tuple(Stop(f"s{i}", i, service_s=3600, windows=((11 * H, 14 * H),)) for i in (1, 2))
    p = line_problem(vehicles=vehicles, stops=stops)
    s = solve(p)
    (route,) = s.routes
    (bs, be), = route.breaks
    assert 12 * H <= bs <= 13 * H and be - bs == 3600
    for x in route.visits:
        assert be <= x.start_s or x.end_s <= bs


def test_max_stops_spreads_the_work():
    vehicles = tuple(Vehicle(k, 0, 0, 8 * H, 18 * H, max_stops=3) for k in "ab")
    s = solve(line_problem(vehicles=vehicles))
    assert sorted(len(r.visits) for r in s.routes) == [3, 3]


def test_max_drive_and_capacity():
    vehicles = tuple(Vehicle(k, 0, 0, 8 * H, 18 * H, max_drive_s=7200) for k in "ab")
    stops = tuple(replace(x, demand=1) for x in line_problem().stops)
    p = line_problem(vehicles=vehicles, stops=stops, capacities=(4, 4))
    s = solve(p)
    # Capacity 4 forces both vehicles out; the one reaching s6 (an hour away) drives exactly its limit.
    assert len(s.routes) == 2
    for r in s.routes:
        assert r.travel_s <= 7200 and len(r.visits) <= 4


def test_allowed_vehicles():
    stops = tuple(replace(x, allowed_vehicles=("b",)) if x.node % 2 else x for x in line_problem().stops)
    s = solve(line_problem(stops=stops))
    for x in visits(s).values():
        if int(x.stop_id[1:]) % 2:
            assert x.vehicle_id == "b"


def test_optional_stops_dropped_when_infeasible():
    stops = list(line_problem().stops)
    # Window before any vehicle can get there: must be dropped; the other optional one is cheap to keep.
    stops[5] = replace(stops[5], windows=((0, 60),), penalty=1000)
    stops[2] = replace(stops[2], penalty=100_000)
    p = line_problem(stops=tuple(stops))
    s = solve(p)
    assert s.dropped == ("s6",)
    assert "s3" in visits(s)


def test_mandatory_infeasible_stop_gives_no_solution():
    stops = list(line_problem().stops)
    stops[5] = replace(stops[5], windows=((0, 60),))
    s = solve_routing(line_problem(stops=tuple(stops)), time_limit_s=1)
    assert s.status == "no_solution" and not s.found


def _random_problem(seed: int = 3) -> RoutingProblem:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 20_000, size=(31, 2))
    metres = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))).astype(int)
    seconds = metres * 3 // 50  # 60 km/h
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, 8 * H, 17 * H, max_stops=9,
                             breaks=(Break(12 * H, 13 * H, 1800),)) for k in range(4))
    stops = tuple(Stop(f"s{i}", i, service_s=1200,
                       windows=((8 * H, 12 * H),) if i % 3 == 0 else (),
                       penalty=None if i % 5 else 20_000) for i in range(1, 31))
    return RoutingProblem(seconds, metres, vehicles, stops)


def test_deterministic_for_a_seed():
    p = _random_problem()

    def routes(s):
        return [(r.vehicle_id, [x.stop_id for x in r.visits]) for r in s.routes]

    a = solve(p, seed=1, solution_limit=60, time_limit_s=20)
    b = solve(p, seed=1, solution_limit=60, time_limit_s=20)
    assert routes(a) == routes(b) and a.objective == b.objective


def test_initial_solution_and_progress():
    p = _random_problem()
    seen = []
    first = solve(p, time_limit_s=1, progress=lambda obj, t: seen.append(obj))
    assert seen and seen == sorted(seen, reverse=True) and seen[-1] == first.objective
    again = solve(p, time_limit_s=1, initial=first)
    assert again.objective <= first.objective


def test_check_routing_catches_tampering():
    p = line_problem()
    s = solve(p)
    route = s.routes[0]
    x = route.visits[0]
    early = replace(x, start_s=x.start_s - 5000, arrival_s=x.start_s - 5000, end_s=x.end_s - 5000)
    bad = replace(s, routes=(replace(route, visits=(early,) + route.visits[1:]),) + s.routes[1:])
    assert any("arrival" in e for e in check_routing(p, bad))
    short = replace(x, travel_s=x.travel_s - 1)
    bad = replace(s, routes=(replace(route, visits=(short,) + route.visits[1:]),) + s.routes[1:])
    assert any("matrix says" in e for e in check_routing(p, bad))
    lost = replace(s, routes=(replace(route, visits=route.visits[1:]),) + s.routes[1:])
    assert any("neither visited nor" in e for e in check_routing(p, lost))
    dropped = replace(lost, dropped=(x.stop_id,))
    assert any("mandatory" in e for e in check_routing(p, dropped))
    stops = tuple(replace(st, allowed_vehicles=("zz",)) if st.id == x.stop_id else st for st in p.stops)
    with pytest.raises(InputError):
        line_problem(stops=stops)


def test_check_routing_catches_break_violation():
    lunch = Break(12 * H, 13 * H, 3600)
    vehicles = (Vehicle("a", 0, 0, 8 * H, 18 * H, breaks=(lunch,)),)
    stops = (Stop("s1", 1, service_s=3600, windows=((11 * H, 14 * H),)),)
    p = line_problem(vehicles=vehicles, stops=stops)
    x = Visit("s1", "a", 12 * H, 12 * H, 13 * H, 600, 8000)
    route = Route("a", (x,), 12 * H - 600, 13 * H + 600, 1200, 16000, ((12 * H + 1800, 13 * H + 1800),))
    errors = check_routing(p, RoutingSolution((route,), (), 0, "feasible", 0.0))
    assert any("overlaps the service" in e for e in errors)


def test_stop_no_vehicle_may_serve():
    stops = list(line_problem().stops)
    stops[0] = replace(stops[0], allowed_vehicles=(), penalty=10)
    s = solve(line_problem(stops=tuple(stops)))
    assert s.dropped == ("s1",)
    stops[0] = replace(stops[0], penalty=None)
    assert solve_routing(line_problem(stops=tuple(stops)), time_limit_s=1).status == "no_solution"


# --- The PyVRP adapter (planner/routing_pyvrp.py), for the problems it fits ---------------------------

def test_pyvrp_adapter_fits_and_refuses():
    pytest.importorskip("pyvrp")
    from planner.routing_pyvrp import solve_routing as solve_pyvrp, unfit_reasons
    assert unfit_reasons(line_problem()) == []
    assert unfit_reasons(_random_problem()) == ["breaks"]
    with pytest.raises(ValueError, match="breaks"):
        solve_pyvrp(_random_problem(), time_limit_s=1)


def test_pyvrp_adapter_windows_optional_max_stops_and_seed():
    pytest.importorskip("pyvrp")
    from planner.routing_pyvrp import solve_routing as solve_pyvrp
    stops = list(line_problem().stops)
    stops[0] = replace(stops[0], windows=((14 * H, 15 * H),))
    stops[5] = replace(stops[5], windows=((0, 60),), penalty=1000)  # unreachable in time: dropped
    vehicles = tuple(Vehicle(k, 0, 0, 8 * H, 18 * H, max_stops=3, fixed_cost=10) for k in "ab")
    p = line_problem(stops=tuple(stops), vehicles=vehicles)
    a = solve(p, time_limit_s=1, seed=4)
    s = solve_pyvrp(p, time_limit_s=1, seed=4)
    assert check_routing(p, s) == []
    assert s.dropped == ("s6",) and s.objective == objective_value(p, s)
    assert 14 * H <= visits(s)["s1"].start_s <= 15 * H
    assert all(len(r.visits) <= 3 for r in s.routes)
    assert s.objective <= a.objective  # both optimal on this tiny case
    again = solve_pyvrp(p, time_limit_s=1, seed=4)
    assert [[x.stop_id for x in r.visits] for r in again.routes] == \
        [[x.stop_id for x in r.visits] for r in s.routes]


def test_first_solution_portfolio():
    from planner.routing_ortools import SearchOptions
    p = _random_problem()
    opts = SearchOptions(first_solution="path_cheapest_arc+savings+parallel_cheapest_insertion")
    s = solve(p, time_limit_s=2, options=opts)
    assert s.objective == objective_value(p, s)


def test_pyvrp_adapter_max_drive_under_time_objective():
    pytest.importorskip("pyvrp")
    from planner.routing_pyvrp import solve_routing as solve_pyvrp, unfit_reasons
    vehicles = tuple(Vehicle(k, 0, 0, 8 * H, 18 * H, max_drive_s=7200) for k in "ab")
    stops = tuple(replace(x, demand=1) for x in line_problem().stops)
    p = line_problem(vehicles=vehicles, stops=stops, capacities=(4, 4))
    assert unfit_reasons(p) == []
    assert unfit_reasons(replace(p, objective="distance")) == ["max_drive_s with the distance objective"]
    s = solve_pyvrp(p, time_limit_s=1)
    assert check_routing(p, s) == [] and s.dropped == ()
    assert len(s.routes) == 2 and all(r.travel_s <= 7200 for r in s.routes)


def test_no_vehicle_or_no_stop():
    m = np.array([[0, 10], [10, 0]])
    optional = RoutingProblem(m, m, (), (Stop("s", 1, penalty=5),))
    assert solve_routing(optional, time_limit_s=0.5).dropped == ("s",)
    assert solve_routing(RoutingProblem(m, m, (), (Stop("s", 1),)), time_limit_s=0.5).status == "no_solution"
    empty = RoutingProblem(m, m, (Vehicle("a", 0, 0, 0, 100),), ())
    assert solve_routing(empty, time_limit_s=0.5).routes == ()


def test_solomon_instance_through_the_core():
    """bench/solomon.py's reading and scaling: a short solve is feasible in exact arithmetic too."""
    import importlib.util
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    data = root.parent / "shared" / "bench" / "solomon" / "instances" / "C101.txt"
    if not data.exists():
        pytest.skip(f"Solomon instances not found at {data.parent}")
    spec = importlib.util.spec_from_file_location("bench_solomon", root / "bench" / "solomon.py")
    bench = importlib.util.module_from_spec(spec)
    import sys
    sys.modules["bench_solomon"] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    inst = bench.read_instance(data)
    assert inst.vehicles == 25 and inst.capacity == 200 and len(inst.xy) == 101
    p = bench.routing_problem(inst)
    s = solve(p, time_limit_s=2)
    routes = [[int(x.stop_id) for x in r.visits] for r in s.routes]
    cost, errors = bench.evaluate(inst, routes)
    assert errors == []
    assert abs(cost * bench.SCALE - s.objective) < len(inst.xy)  # rounding: under 0.5 unit per leg
    assert cost >= 828.9  # never below the optimum of C101


def test_engine_picks_pyvrp_only_where_it_fits():
    from planner.routing import Break, RoutingProblem, Stop, Vehicle
    from planner.routing_engine import pick_engine, solve_routing

    pytest.importorskip("pyvrp")
    seconds = [[0, 300, 400], [300, 0, 200], [400, 200, 0]]
    plain = RoutingProblem(seconds=seconds, metres=seconds,
                           vehicles=(Vehicle("v", 0, 0, 0, 3600),),
                           stops=(Stop("a", 1, 60, ((0, 3600),)), Stop("b", 2, 60, ())))
    assert pick_engine(plain) == "pyvrp"
    sol = solve_routing(plain, time_limit_s=1, seed=1)
    assert not check_routing(plain, sol) and not sol.dropped
    with_break = RoutingProblem(seconds=seconds, metres=seconds,
                                vehicles=(Vehicle("v", 0, 0, 0, 3600, breaks=(Break(600, 1200, 300),)),),
                                stops=plain.stops)
    assert pick_engine(with_break) == "ortools"
    sol = solve_routing(with_break, time_limit_s=1, seed=1)
    assert not check_routing(with_break, sol)
    assert pick_engine(with_break, "ortools") == "ortools"
    with pytest.raises(ValueError):
        pick_engine(plain, "gurobi")


def test_soft_upper_bound_serves_late_at_a_cost_hard_window_does_not():
    # One vehicle from 8:00; the stop is 30 min away and its window closes at 8:01: it cannot be met.
    vehicles = (Vehicle("a", 0, 0, 8 * H, 18 * H),)
    hard = Stop("s3", 3, service_s=600, windows=((8 * H, 8 * H + 60),), penalty=10 ** 6)
    soft = replace(hard, late_cost_per_s=2)
    p_soft = line_problem(vehicles=vehicles, stops=(soft,))
    s = solve(p_soft)
    assert s.dropped == ()
    x = visits(s)["s3"]
    assert x.start_s == 8 * H + 1800  # as early as possible: lateness costs 2 per second
    late = 1800 - 60
    assert s.objective == objective_value(p_soft, s) == 2 * 1800 + 2 * late
    # Without the soft bound the same stop is dropped (optional) or there is no plan (mandatory).
    p_hard = line_problem(vehicles=vehicles, stops=(hard,))
    assert solve(p_hard).dropped == ("s3",)
    mandatory = line_problem(vehicles=vehicles, stops=(replace(hard, penalty=None),))
    assert not solve_routing(mandatory, time_limit_s=1).found
    # The checker accepts the late start only where lateness is allowed.
    assert check_routing(p_soft, s) == []
    errors = check_routing(p_hard, s)
    assert any("outside its windows" in e for e in errors)
    # Before the opening stays refused even with a late cost.
    early = replace(s, routes=tuple(replace(r, visits=tuple(replace(v, start_s=7 * H, end_s=7 * H + 600)
                                                            for v in r.visits)) for r in s.routes))
    assert any("outside its windows" in e for e in check_routing(p_soft, early))
    with pytest.raises(InputError):
        line_problem(vehicles=vehicles, stops=(replace(hard, late_cost_per_s=-1),))


def test_pyvrp_adapter_refuses_soft_windows():
    from planner.routing_pyvrp import unfit_reasons
    stop = Stop("s1", 1, windows=((8 * H, 9 * H),), late_cost_per_s=1)
    assert unfit_reasons(line_problem(stops=(stop,))) == ["soft time windows (late_cost_per_s)"]
    assert unfit_reasons(line_problem(stops=(replace(stop, late_cost_per_s=0),))) == []


# --- Joint stops (Sync): both engines, the checker ------------------------------------------------------
def sync_problem(**kw) -> RoutingProblem:
    """Six places on a line; s2 and s5 must start together (simultaneous), s3 30 to 60 min before s6."""
    from planner.routing import Sync

    stops = list(line_problem().stops)
    stops[4] = replace(stops[4], node=2)  # s5 at s2's place: a joint visit
    stops[5] = replace(stops[5], node=3)
    syncs = (Sync("s2", "s5"), Sync("s3", "s6", 1800, 3600))
    return line_problem(stops=tuple(stops), syncs=syncs, **kw)


@pytest.mark.parametrize("engine", ["ortools", "lns"])
def test_joint_stops_start_together_on_two_vehicles(engine):
    from planner.routing_engine import solve_routing as solve_any

    p = sync_problem()
    s = solve_any(p, engine=engine, time_limit_s=1, seed=1)
    assert s.found and s.dropped == ()
    assert check_routing(p, s) == []
    v = visits(s)
    assert v["s2"].start_s == v["s5"].start_s and v["s2"].vehicle_id != v["s5"].vehicle_id
    assert 1800 <= v["s6"].start_s - v["s3"].start_s <= 3600
    assert s.objective == objective_value(p, s)


@pytest.mark.parametrize("engine", ["ortools", "lns"])
def test_joint_pair_dropped_together_when_one_part_cannot_be_served(engine):
    from planner.routing_engine import solve_routing as solve_any

    p = sync_problem()
    stops = [replace(x, penalty=10 ** 6) for x in p.stops]
    stops[1] = replace(stops[1], allowed_vehicles=("a",))
    stops[4] = replace(stops[4], allowed_vehicles=("a",))  # both parts on the same caregiver: impossible
    p = replace(p, stops=tuple(stops))
    s = solve_any(p, engine=engine, time_limit_s=1, seed=1)
    assert s.found and set(s.dropped) == {"s2", "s5"}
    assert check_routing(p, s) == []


def test_check_routing_catches_unsynchronised_joint_stops():
    from planner.routing_engine import solve_routing as solve_any

    p = sync_problem()
    s = solve_any(p, engine="lns", time_limit_s=0.5, seed=0)
    routes = []
    for r in s.routes:
        moved = tuple(replace(x, start_s=x.start_s + 60, end_s=x.end_s + 60) if x.stop_id == "s5" else x
                      for x in r.visits)
        routes.append(replace(r, visits=moved))
    errors = check_routing(p, replace(s, routes=tuple(routes)))
    assert any("s2 and s5 start 60 s apart" in e for e in errors)


def test_lns_breaks_windows_limits_and_work_limit_reproducible():
    from planner.routing_engine_lns import solve_routing as solve_lns

    p = line_problem(vehicles=(Vehicle("a", 0, 0, 8 * H, 18 * H, max_stops=4,
                                       breaks=(Break(12 * H, 13 * H, 2700),)),
                               Vehicle("b", 0, 0, 8 * H, 18 * H, max_drive_s=2 * H,
                                       breaks=(Break(12 * H, 13 * H, 2700),))))
    stops = list(p.stops)
    stops[0] = replace(stops[0], windows=((14 * H, 15 * H),))
    p = replace(p, stops=tuple(stops))
    a = solve_lns(p, time_limit_s=30, seed=3, iterations=50)
    b = solve_lns(p, time_limit_s=30, seed=3, iterations=50)
    assert a.found and a.dropped == () and check_routing(p, a) == []
    assert [r.visits for r in a.routes] == [r.visits for r in b.routes]
    assert 14 * H <= visits(a)["s1"].start_s <= 15 * H


def test_engine_gives_joint_stops_to_the_lns():
    from planner.routing_engine import pick_engine
    from planner.routing_pyvrp import unfit_reasons

    assert pick_engine(sync_problem()) == "lns"
    assert "joint stops (syncs)" in unfit_reasons(sync_problem())
