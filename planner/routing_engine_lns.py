"""Large-neighbourhood search for routing problems with joint stops (`RoutingProblem.syncs`).

Why a search of our own: in OR-Tools' routing library a synchronisation is a constraint its local search
filters do not see, so nearly every move is refused after the fact and the search stalls at its first
solution (measured on Mankowska et al.: 54 % above the best-known on 50 patients at 10 s). Here the two
stops of a joint visit are removed and re-inserted together, and every candidate plan is timed as a whole:

- a plan is one ordered list of stops per vehicle; its schedule is the **earliest** one: each stop starts
  as soon as its vehicle arrives and a window opens, a joint pair waits for the later of its two
  caregivers (start(second) - start(first) in [min, max]), a break is taken at the first gap once it may
  start. The earliest schedule is the least late one, so the plan's cost is exact for lateness;
- ruin and recreate: remove a few stops (at random, near a seed stop, or the costliest detours), insert
  them back where they cost least (a pair of joint stops as one unit, a short list of positions by detour
  timed exactly), accept by record-to-record travel, keep the best;
- optional stops left out cost their penalty, mandatory ones are never left out (no plan otherwise).

Pure Python, one thread, seeded; stopped by `time_limit_s` or `iterations` (a work limit: the same seed
and iterations give the same plan on any machine).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from planner.routing import Route, RoutingProblem, RoutingSolution, Visit, objective_value

Progress = Callable[[int, float], None]
INFEASIBLE = math.inf
MANDATORY_PENALTY = 10 ** 12  # a mandatory stop out of the plan while searching (never returned)


@dataclass
class _Timed:
    cost: float
    starts: list[int]  # service start per stop index (-1 = not served)
    routes_out: list[tuple[int, int, list[tuple[int, int]]]]  # per vehicle: (depart, back, breaks)


class _Search:
    def __init__(self, problem: RoutingProblem, seed: int) -> None:
        p = self.p = problem
        self.rng = random.Random(seed)
        self.n = len(p.stops)
        self.vid = p.vehicle_index()
        self.sidx = {s.id: k for k, s in enumerate(p.stops)}
        self.node = [s.node for s in p.stops]
        self.service = [s.service_s for s in p.stops]
        self.windows = [sorted(s.windows) for s in p.stops]
        self.late = [s.late_cost_per_s for s in p.stops]
        self.close = [max(b for _, b in w) if w else None for w in self.windows]
        self.penalty = [MANDATORY_PENALTY if s.penalty is None else s.penalty for s in p.stops]
        self.demand = [s.demand for s in p.stops]
        n_v = len(p.vehicles)
        self.allowed = [list(range(n_v)) if s.allowed_vehicles is None else sorted(self.vid[x] for x in s.allowed_vehicles)
                        for s in p.stops]
        self.sec = p.seconds.tolist()
        self.cost_m = (p.metres if p.objective == "distance" else p.seconds).tolist()
        self.partner: list[tuple[int, int, int, bool] | None] = [None] * self.n  # (other, lo, hi, am_first)
        for y in p.syncs:
            a, b = self.sidx[y.first], self.sidx[y.second]
            self.partner[a] = (b, y.min_offset_s, y.max_offset_s, True)
            self.partner[b] = (a, y.min_offset_s, y.max_offset_s, False)
        # Units: a joint pair is one unit, every other stop is its own.
        self.unit_of = list(range(self.n))
        for k, pr in enumerate(self.partner):
            if pr is not None and not pr[3]:
                self.unit_of[k] = pr[0]
        self.units = sorted(set(self.unit_of))
        # Positions timed exactly per insertion: fewer on large plans, where each timing costs more
        # (measured on Mankowska 200_1 at 25 s: 12 % above the best-known with 2, 16 % with 4).
        self.top = 4 if self.n <= 150 else 2
        # Nearest stops (for related removal).
        self.near = [sorted(range(self.n), key=lambda j, i=i: self.sec[self.node[i]][self.node[j]])[1:16]
                     for i in range(self.n)]

    # --- timing a plan ----------------------------------------------------------------------------------
    def _start_in(self, i: int, t: int) -> int | None:
        """Earliest start >= t inside a window of stop i (or late after the last close if soft)."""
        w = self.windows[i]
        if not w:
            return t
        for a, b in w:
            if t <= b:
                return max(t, a)
        return t if self.late[i] > 0 else None

    def time_plan(self, routes: list[list[int]], unassigned: set[int]) -> _Timed:
        p, sec, node, service = self.p, self.sec, self.node, self.service
        n_v = len(routes)
        starts = [-1] * self.n
        pos = [0] * n_v
        t_free = [p.vehicles[k].shift_start_s for k in range(n_v)]  # end of the last service (or depart)
        at = [p.vehicles[k].start for k in range(n_v)]
        brk_taken: list[list[tuple[int, int]]] = [[] for _ in range(n_v)]
        brk_next = [0] * n_v
        ready: dict[int, int] = {}  # stop -> its own earliest start, waiting for its partner
        cost = 0.0
        done = 0
        total = sum(len(r) for r in routes)
        where = self._where
        todo = list(range(n_v))  # vehicles to advance; one waiting for a partner resumes when it comes
        while todo:
            k = todo.pop()
            r = routes[k]
            while pos[k] < len(r):
                i = r[pos[k]]
                e = ready.get(i)
                if e is None:
                    e = self._earliest(k, i, t_free, at, brk_taken, brk_next)
                    if e is None:
                        return _Timed(INFEASIBLE, starts, [])
                pr = self.partner[i]
                if pr is None:
                    starts[i] = e
                    t_free[k] = e + service[i]
                    at[k] = node[i]
                    pos[k] += 1
                    done += 1
                    continue
                j, lo, hi, first = pr
                if j not in ready:
                    ready[i] = e
                    break
                ej = ready.pop(j)
                ready.pop(i, None)
                sa, sb = (e, ej) if first else (ej, e)
                ia, ib = (i, j) if first else (j, i)
                for _ in range(8):
                    na = self._start_in(ia, max(sa, sb - hi))
                    nb = self._start_in(ib, max(sb, (na if na is not None else sa) + lo))
                    if na is None or nb is None:
                        return _Timed(INFEASIBLE, starts, [])
                    if na == sa and nb == sb and lo <= sb - sa <= hi:
                        break
                    sa, sb = na, nb
                else:
                    return _Timed(INFEASIBLE, starts, [])
                for x, t in ((ia, sa), (ib, sb)):
                    kx = where[x]
                    starts[x] = t
                    t_free[kx] = t + service[x]
                    at[kx] = node[x]
                    pos[kx] += 1
                kj = where[j]
                if kj != k:
                    todo.append(kj)
                done += 2
        if done < total:
            return _Timed(INFEASIBLE, starts, [])  # joint stops waiting for each other (a cycle)
        out = []
        for k in range(n_v):
            v = p.vehicles[k]
            r = routes[k]
            if not r:
                out.append((v.shift_start_s, v.shift_start_s, []))
                continue
            back = t_free[k] + sec[at[k]][v.end]
            # Breaks not yet taken: after the return (the person is off duty), else they must fit.
            for b in v.breaks[brk_next[k]:]:
                bs = max(back if not brk_taken[k] else max(back, brk_taken[k][-1][1]), b.start_min_s)
                if bs > b.start_max_s:
                    return _Timed(INFEASIBLE, starts, [])
                brk_taken[k].append((bs, bs + b.duration_s))
            if back > v.shift_end_s:
                return _Timed(INFEASIBLE, starts, [])
            prev = v.start
            drive = 0
            for i in r:
                drive += sec[prev][node[i]]
                cost += self.cost_m[prev][node[i]]
                prev = node[i]
            drive += sec[prev][v.end]
            cost += self.cost_m[prev][v.end]
            if v.max_drive_s is not None and drive > v.max_drive_s:
                return _Timed(INFEASIBLE, starts, [])
            if v.max_stops is not None and len(r) > v.max_stops:
                return _Timed(INFEASIBLE, starts, [])
            if p.capacities is not None and sum(self.demand[i] for i in r) > p.capacities[k]:
                return _Timed(INFEASIBLE, starts, [])
            depart = self._depart(k, r, starts, brk_taken[k])
            cost += v.fixed_cost + p.span_cost * (back - depart)
            if p.count_target is not None:
                cost += p.count_cost * max(0, len(r) - p.count_target[k])
            for i in r:
                if self.late[i] and self.close[i] is not None and starts[i] > self.close[i]:
                    cost += self.late[i] * (starts[i] - self.close[i])
            out.append((depart, back, brk_taken[k]))
        cost += sum(self.penalty[i] for i in unassigned)
        return _Timed(cost, starts, out)

    def _earliest(self, k, i, t_free, at, brk_taken, brk_next) -> int | None:
        """Earliest start of stop i as the next stop of vehicle k (taking a due break on the way)."""
        v = self.p.vehicles[k]
        travel = self.sec[at[k]][self.node[i]]
        t = t_free[k]
        arrive = t + travel
        e = self._start_in(i, arrive)
        if e is None:
            return None
        while brk_next[k] < len(v.breaks):
            b = v.breaks[brk_next[k]]
            bs = max(t, b.start_min_s)
            fits_in_wait = bs + b.duration_s + travel <= e
            if not fits_in_wait and e + self.service[i] <= b.start_max_s:
                break  # the break can still be taken after this stop
            if bs > b.start_max_s:
                return None
            brk_taken[k].append((bs, bs + b.duration_s))
            brk_next[k] += 1
            t = bs + b.duration_s
            e = self._start_in(i, max(e, t + travel))
            if e is None:
                return None
        return e

    def _depart(self, k, r, starts, breaks) -> int:
        """Leave as late as the first stop (and any break taken before it) allows."""
        v = self.p.vehicles[k]
        first = r[0]
        latest = starts[first] - self.sec[v.start][self.node[first]]
        for bs, be in breaks:
            if be <= starts[first] and bs < latest + self.sec[v.start][self.node[first]]:
                latest = min(latest, bs)
        return max(v.shift_start_s, latest)

    # --- plan edits ------------------------------------------------------------------------------------
    def set_where(self, routes: list[list[int]]) -> None:
        self._where = [-1] * self.n
        for k, r in enumerate(routes):
            for i in r:
                self._where[i] = k

    def evaluate(self, routes, unassigned) -> _Timed:
        self.set_where(routes)
        return self.time_plan(routes, unassigned)

    def remove(self, routes, unassigned, units: list[int]) -> None:
        gone = set()
        for u in units:
            gone.add(u)
            if self.partner[u] is not None:
                gone.add(self.partner[u][0])
        for r in routes:
            r[:] = [i for i in r if i not in gone]
        unassigned |= gone

    def _positions(self, routes, i, starts: list[int], top: int):
        """The `top` cheapest positions for stop i on its allowed vehicles, estimated from the current
        schedule: detour + lateness at i + the push on the next stop (priced as lateness).
        Returns (estimate, vehicle, position, estimated start)."""
        cands = []
        cm, sec, node, service = self.cost_m, self.sec, self.node, self.service
        ni = node[i]
        lc = max(1, self.late[i])
        for k in self.allowed[i]:
            v = self.p.vehicles[k]
            r = routes[k]
            prev, prev_end = v.start, v.shift_start_s
            for q in range(len(r) + 1):
                if q < len(r):
                    j = r[q]
                    nxt, nxt_start = node[j], starts[j]
                else:
                    nxt, nxt_start = v.end, None
                d = cm[prev][ni] + cm[ni][nxt] - cm[prev][nxt]
                e = self._start_in(i, prev_end + sec[prev][ni])
                if e is not None:
                    est = d
                    if self.close[i] is not None and e > self.close[i]:
                        est += lc * (e - self.close[i]) if self.late[i] else INFEASIBLE
                    if nxt_start is not None and nxt_start >= 0:
                        push = e + service[i] + sec[ni][nxt] - nxt_start
                        if push > 0:
                            est += lc * push
                    if est < INFEASIBLE:
                        cands.append((est + self.rng.random() * 1e-6, k, q, e))
                if q < len(r):
                    prev = nxt
                    prev_end = starts[j] + service[j] if starts[j] >= 0 else prev_end
        cands.sort()
        return cands[:top]

    def insert(self, routes, unassigned, units: list[int]) -> float:
        """Insert units one by one where the timed plan costs least; returns the plan's cost."""
        top = self.top
        cur = self.evaluate(routes, unassigned)
        for u in units:
            members = [u] if self.partner[u] is None else [u, self.partner[u][0]]
            for m in members:
                unassigned.discard(m)
            best = None
            if self.partner[u] is None:
                tries = [((k, q, u),) for _, k, q, _ in self._positions(routes, u, cur.starts, top)]
            else:
                a, b = members
                _, lo, hi, _ = self.partner[a]
                pa = self._positions(routes, a, cur.starts, 3 * top)
                pb = self._positions(routes, b, cur.starts, 3 * top)
                pairs = []
                for ca, ka, qa, ea in pa:
                    for cb, kb, qb, eb in pb:
                        if ka == kb:
                            continue
                        gap = eb - ea
                        wait = (lo - gap) if gap < lo else (gap - hi) if gap > hi else 0
                        pairs.append((ca + cb + max(1, self.late[a]) * wait, ka, qa, kb, qb))
                pairs.sort()
                tries = [((ka, qa, a), (kb, qb, b)) for _, ka, qa, kb, qb in pairs[:2 * top]]
            for edit in tries:
                for k, q, m in edit:
                    routes[k].insert(q, m)
                t = self.evaluate(routes, unassigned)
                for k, q, m in reversed(edit):
                    routes[k].pop(q)
                if t.cost < INFEASIBLE and (best is None or t.cost < best[0].cost):
                    best = (t, edit)
            if best is None:
                unassigned.update(members)
                cur = self.evaluate(routes, unassigned)
                continue
            for k, q, m in best[1]:
                routes[k].insert(q, m)
            cur = best[0]
        return cur.cost

    # --- ruin ------------------------------------------------------------------------------------------
    def ruin(self, routes, unassigned, q: int, starts: list[int]) -> list[int]:
        served = [u for u in self.units if u not in unassigned]
        if not served:
            return []
        how = self.rng.random()
        if how < 0.4:  # related: a seed and its neighbours (in space, and close in time)
            seed = self.rng.choice(served)
            pool = [self.unit_of[j] for j in self.near[seed]]
            chosen = [seed] + [u for u in dict.fromkeys(pool) if u != seed and u not in unassigned]
            chosen = chosen[:q]
        elif how < 0.7:  # worst detours
            node, cm = self.node, self.cost_m
            gain = []
            for k, r in enumerate(routes):
                v = self.p.vehicles[k]
                seq = [v.start] + [node[i] for i in r] + [v.end]
                for x, i in enumerate(r):
                    g = cm[seq[x]][seq[x + 1]] + cm[seq[x + 1]][seq[x + 2]] - cm[seq[x]][seq[x + 2]]
                    if self.late[i] and self.close[i] is not None and starts[i] > self.close[i]:
                        g += self.late[i] * (starts[i] - self.close[i])
                    gain.append((g * (0.7 + 0.6 * self.rng.random()), self.unit_of[i]))
            gain.sort(reverse=True)
            chosen = list(dict.fromkeys(u for _, u in gain))[:q]
        else:  # random
            chosen = self.rng.sample(served, min(q, len(served)))
        self.remove(routes, unassigned, chosen)
        return chosen

    def order(self, units: list[int]) -> list[int]:
        how = self.rng.random()
        if how < 0.5:
            self.rng.shuffle(units)
            return units
        # hardest first: joint pairs, few allowed vehicles, early closing windows
        def key(u):
            return (self.partner[u] is None, len(self.allowed[u]), self.close[u] if self.close[u] is not None else 1 << 40)
        return sorted(units, key=key)

    def read(self, routes, unassigned) -> tuple[list[Route], list[str]]:
        t = self.evaluate(routes, unassigned)
        p, sec = self.p, self.sec
        met = p.metres.tolist() if p.metres is not None else None
        out = []
        for k, r in enumerate(routes):
            if not r:
                continue
            v = p.vehicles[k]
            depart, back, breaks = t.routes_out[k]
            visits = []
            prev, prev_end = v.start, depart
            tr_s = tr_m = 0
            for i in r:
                leg = sec[prev][self.node[i]]
                leg_m = met[prev][self.node[i]] if met is not None else 0
                s = t.starts[i]
                paused = sum(be - bs for bs, be in breaks if prev_end <= bs and be <= s)
                arrival = min(s, prev_end + leg + paused)
                visits.append(Visit(p.stops[i].id, v.id, arrival, s, s + self.service[i], leg, leg_m))
                tr_s += leg
                tr_m += leg_m
                prev, prev_end = self.node[i], s + self.service[i]
            tr_s += sec[prev][v.end]
            tr_m += met[prev][v.end] if met is not None else 0
            out.append(Route(v.id, tuple(visits), depart, back, tr_s, tr_m, tuple(breaks)))
        return out, [p.stops[i].id for i in sorted(unassigned)]


def solve_routing(problem: RoutingProblem, *, time_limit_s: float = 5, seed: int = 0,
                  initial: RoutingSolution | Sequence[Sequence[str]] | None = None,
                  progress: Progress | None = None, iterations: int | None = None,
                  **_ignored) -> RoutingSolution:
    """Ruin and recreate within `time_limit_s` (and `iterations`, if given); same contract as the others."""
    t0 = time.perf_counter()
    s = _Search(problem, seed)
    n_v = len(problem.vehicles)
    routes: list[list[int]] = [[] for _ in range(n_v)]
    unassigned = set(range(s.n))
    if initial is not None:
        if isinstance(initial, RoutingSolution):
            by_v = {r.vehicle_id: [x.stop_id for x in r.visits] for r in initial.routes}
            lists = [by_v.get(v.id, []) for v in problem.vehicles]
        else:
            lists = list(initial) + [[] for _ in range(n_v - len(initial))]
        for k, ids in enumerate(lists):
            routes[k] = [s.sidx[x] for x in ids if x in s.sidx and k in s.allowed[s.sidx[x]]]
        # a pair with one stop only, or a plan that cannot be timed, starts from scratch
        placed = {i for r in routes for i in r}
        for i in list(placed):
            pr = s.partner[i]
            if pr is not None and pr[0] not in placed:
                for r in routes:
                    if i in r:
                        r.remove(i)
        unassigned = set(range(s.n)) - {i for r in routes for i in r}
        if s.evaluate(routes, unassigned).cost == INFEASIBLE:
            routes, unassigned = [[] for _ in range(n_v)], set(range(s.n))
    todo = sorted({s.unit_of[i] for i in unassigned},
                  key=lambda u: (s.windows[u][0][0] if s.windows[u] else 0, s.partner[u] is None))
    cur = s.insert(routes, unassigned, todo)
    first_s = time.perf_counter() - t0
    best = (cur, [r[:] for r in routes], set(unassigned))
    if progress is not None:
        progress(int(min(cur, 2 ** 62)), first_s)
    it = 0
    n_units = len(s.units)
    threshold0 = 0.03
    limit = max(0.0, time_limit_s)
    while n_units > 1:
        it += 1
        if iterations is not None and it > iterations:
            break
        elapsed = time.perf_counter() - t0
        if elapsed >= limit:
            break
        frac = elapsed / limit if iterations is None else it / iterations
        q = max(1, min(n_units - 1, s.rng.randint(2, max(3, min(30, n_units // 5 + 2)))))
        cand_routes, cand_un = [r[:] for r in routes], set(unassigned)
        starts = s.evaluate(cand_routes, cand_un).starts
        s.ruin(cand_routes, cand_un, q, starts)
        todo = s.order(sorted({s.unit_of[i] for i in cand_un}))
        c = s.insert(cand_routes, cand_un, todo)
        if c < best[0] * (1 + threshold0 * (1 - frac)) and c < INFEASIBLE:
            routes, unassigned = cand_routes, cand_un
            if c < best[0] - 1e-9:
                best = (c, [r[:] for r in routes], set(unassigned))
                if progress is not None:
                    progress(int(min(c, 2 ** 62)), time.perf_counter() - t0)
    cost, routes, unassigned = best
    wall = time.perf_counter() - t0
    if cost == INFEASIBLE or any(problem.stops[i].penalty is None for i in unassigned):
        return RoutingSolution((), tuple(x.id for x in problem.stops), 0, "no_solution", wall, None)
    out, dropped = s.read(routes, unassigned)
    sol = RoutingSolution(tuple(out), tuple(dropped), 0, "feasible", wall, first_s)
    return RoutingSolution(sol.routes, sol.dropped, objective_value(problem, sol), "feasible", wall, first_s)
