"""Choice of visit days jointly with routing: patterns of days, priced by insertion into estimated rounds.

One method for the periodic VRP benchmark (bench/pvrp_cordeau.py) and the home-visit planner
(calendar.plan_days). Each item (a customer, a patient) picks one of its patterns: a set of entries, each
one visit in one group (a day, or a role on a day). Each group holds lanes (a vehicle, a staff member's
round of that day) whose routes are kept as node sequences over the cost matrix, with a load and a
duration (travel + service) limit. The cost of a plan is the travel of every lane, the penalties of the
chosen patterns, and the per-entry penalty of overflow lanes (a lane without limits standing for "does
not fit", used by the home-visit planner).

Search: a construction by cheapest insertion of each item's best pattern (hardest items first), then a
large neighbourhood search: remove related items (near each other, or a whole lane's items, or random
ones) from every day they occupy, reinsert each with its best pattern by cheapest insertion, accept by a
threshold that falls to zero with the iterations. Work limits (iterations, seed) decide when it stops, so
the same problem gives the same plan on any machine; a time limit only caps it.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import numpy as np

INF = math.inf
MISSING = 1e12  # objective weight of an item without a pattern


@dataclass(frozen=True, slots=True)
class Lane:
    group: int
    start: int  # matrix node
    end: int
    capacity: float = INF  # sum of entry demands
    max_duration: float = INF  # travel + service
    entry_penalty: float = 0.0  # added per entry placed in this lane (overflow lanes)


@dataclass(frozen=True, slots=True)
class Entry:
    group: int
    service: float = 0.0
    demand: float = 1.0


@dataclass(frozen=True, slots=True)
class Pattern:
    entries: tuple[Entry, ...]
    penalty: float = 0.0


@dataclass(frozen=True, slots=True)
class Item:
    node: int
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class DayChoiceProblem:
    cost: np.ndarray  # node x node travel cost (float)
    lanes: tuple[Lane, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Limits:
    """When the search stops: `iterations` of the LNS (work, deterministic); `time_limit_s` only caps it."""

    iterations: int = 2000
    seed: int = 0
    time_limit_s: float | None = None
    max_remove: int = 25
    threshold: float = 0.02  # initial acceptance threshold, share of the mean lane cost


class DayChoice:
    """The search state: routes per lane (item ids), the pattern of each item (-1 = none yet)."""

    def __init__(self, problem: DayChoiceProblem) -> None:
        self.p = problem
        self.C = np.asarray(problem.cost, dtype=float)
        lanes = problem.lanes
        self.n_groups = 1 + max([ln.group for ln in lanes] + [e.group for it in problem.items
                                                              for pt in it.patterns for e in pt.entries] + [0])
        self.group_lanes: list[list[int]] = [[] for _ in range(self.n_groups)]
        for k, ln in enumerate(lanes):
            self.group_lanes[ln.group].append(k)
        self.cap = np.array([ln.capacity for ln in lanes], dtype=float)
        self.maxd = np.array([ln.max_duration for ln in lanes], dtype=float)
        self.lpen = np.array([ln.entry_penalty for ln in lanes], dtype=float)
        self.routes: list[list[int]] = [[] for _ in lanes]
        self.load = np.zeros(len(lanes))
        self.dur = np.zeros(len(lanes))
        self.travel = np.zeros(len(lanes))
        self.pattern = [-1] * len(problem.items)
        self.item_pen = np.full(len(problem.items), MISSING)  # pattern + overflow penalties of each item
        self.where: list[list[tuple[int, Entry]]] = [[] for _ in problem.items]  # (lane, entry)
        self._cache: dict[int, tuple] = {}  # group -> arrays of its legs
        self._lane_cache: dict[int, tuple] = {}  # lane -> arrays of its legs
        self._journal: dict | None = None  # undo log of the current LNS move
        nodes = np.array([it.node for it in problem.items], dtype=int)
        self.nodes = nodes
        if len(nodes):
            sym = self.C[np.ix_(nodes, nodes)] + self.C[np.ix_(nodes, nodes)].T
            self.neighbours = np.argsort(sym, axis=1, kind="stable")[:, :60]
        else:
            self.neighbours = np.zeros((0, 0), dtype=int)

    # --- lanes --------------------------------------------------------------------------------------
    def _seq(self, lane: int) -> list[int]:
        ln = self.p.lanes[lane]
        return [ln.start] + [self.p.items[i].node for i in self.routes[lane]] + [ln.end]

    def _log_lane(self, lane: int) -> None:
        j = self._journal
        if j is not None and lane not in j["lanes"]:
            j["lanes"][lane] = (self.routes[lane][:], self.load[lane], self.dur[lane], self.travel[lane])

    def _log_item(self, item: int) -> None:
        j = self._journal
        if j is not None and item not in j["items"]:
            j["items"][item] = (self.pattern[item], self.where[item][:], self.item_pen[item])

    def _recompute(self, lane: int) -> None:
        self._lane_cache.pop(lane, None)
        seq = self._seq(lane)
        t = float(self.C[seq[:-1], seq[1:]].sum()) if self.routes[lane] else 0.0
        self.travel[lane] = t
        self.load[lane] = sum(e.demand for i in self.routes[lane] for (l2, e) in self.where[i] if l2 == lane)
        self.dur[lane] = t + sum(e.service for i in self.routes[lane] for (l2, e) in self.where[i] if l2 == lane)

    def _lane_arrays(self, lane: int):
        got = self._lane_cache.get(lane)
        if got is None:
            seq = np.array(self._seq(lane), dtype=int)
            base = self.C[seq[:-1], seq[1:]] if self.routes[lane] else np.zeros(1)
            # An empty lane costs nothing: its first visit pays start -> v -> end in full.
            got = self._lane_cache[lane] = (seq[:-1], seq[1:], base)
        return got

    def _group_arrays(self, g: int):
        got = self._cache.get(g)
        if got is not None:
            return got
        parts = [(lane, *self._lane_arrays(lane)) for lane in self.group_lanes[g]]
        if not parts:
            got = (np.zeros(0, int),) * 4 + (np.zeros(0),)
        else:
            A = np.concatenate([a for _, a, _, _ in parts])
            B = np.concatenate([b for _, _, b, _ in parts])
            base = np.concatenate([c for _, _, _, c in parts])
            L = np.concatenate([np.full(len(a), lane) for lane, a, _, _ in parts])
            P = np.concatenate([np.arange(len(a)) for _, a, _, _ in parts])
            got = (A, B, L, P, base)
        self._cache[g] = got
        return got

    def insertion(self, item: int, entry: Entry) -> tuple[float, int, int]:
        """Cheapest feasible insertion of `item` for `entry`: (added cost, lane, position); lane -1 if none."""
        A, B, L, P, base = self._group_arrays(entry.group)
        if not len(A):
            return INF, -1, -1
        v = self.p.items[item].node
        delta = self.C[A, v] + self.C[v, B] - base
        ok = (self.load[L] + entry.demand <= self.cap[L] + 1e-9) & (self.dur[L] + delta + entry.service
                                                                    <= self.maxd[L] + 1e-9)
        if not ok.any():
            return INF, -1, -1
        total = np.where(ok, delta + self.lpen[L], INF)
        k = int(np.argmin(total))
        return float(total[k]), int(L[k]), int(P[k])

    def _insert(self, item: int, entry: Entry, lane: int, pos: int) -> None:
        self._log_lane(lane)
        self._log_item(item)
        self.routes[lane].insert(pos, item)
        self.where[item].append((lane, entry))
        self._recompute(lane)
        self._cache.pop(entry.group, None)

    def remove(self, item: int) -> None:
        self._log_item(item)
        for lane, entry in self.where[item]:
            self._log_lane(lane)
            self.routes[lane].remove(item)
        lanes = [lane for lane, _ in self.where[item]]
        self.where[item] = []
        self.item_pen[item] = MISSING
        for lane in lanes:
            self._recompute(lane)
            self._cache.pop(self.p.lanes[lane].group, None)
        self.pattern[item] = -1

    def best_pattern(self, item: int, rng: random.Random | None = None, noise: float = 0.0):
        """(cost, pattern index, [(entry, lane, pos)]) of the cheapest pattern; (inf, -1, []) if none fits."""
        it = self.p.items[item]
        seen: dict[tuple, tuple[float, int, int]] = {}
        best = (INF, -1, [])
        for k, pt in enumerate(it.patterns):
            c, moves = pt.penalty, []
            for e in pt.entries:
                key = (e.group, e.service, e.demand)
                got = seen.get(key)
                if got is None:
                    got = seen[key] = self.insertion(item, e)
                c += got[0]
                if c >= best[0]:
                    break
                moves.append((e, got[1], got[2]))
            if rng is not None and noise and c < INF:
                c *= 1.0 + noise * rng.random()
            if c < best[0]:
                best = (c, k, moves)
        return best

    def place(self, item: int, k: int, moves) -> None:
        # Insert from the highest position down within a lane so earlier positions stay valid.
        for e, lane, pos in sorted(moves, key=lambda m: (m[1], -m[2])):
            self._insert(item, e, lane, pos)
        self._log_item(item)
        self.pattern[item] = k
        self.item_pen[item] = self.p.items[item].patterns[k].penalty + sum(self.lpen[lane] for _, lane, _ in moves)

    def objective(self) -> float:
        return float(self.travel.sum()) + float(self.item_pen.sum())

    # --- routes set from outside (e.g. after a routing engine polished a day) -----------------------
    def set_routes(self, lane_items: dict[int, list[int]]) -> None:
        """Replace the order of items in lanes (same items per group; an item may change lane)."""
        for lane, items in lane_items.items():
            for i in items:
                self.where[i] = [(lane if self.p.lanes[l2].group == self.p.lanes[lane].group else l2, e)
                                 for l2, e in self.where[i]]
            self.routes[lane] = list(items)
        for lane in lane_items:
            self._recompute(lane)
            self._cache.pop(self.p.lanes[lane].group, None)

    # --- search -------------------------------------------------------------------------------------
    def construct(self, rng: random.Random) -> None:
        order = sorted(range(len(self.p.items)), key=lambda i: (
            len(self.p.items[i].patterns), -max((len(pt.entries) for pt in self.p.items[i].patterns), default=0),
            rng.random()))
        for i in order:
            if self.pattern[i] < 0:
                c, k, moves = self.best_pattern(i)
                if k >= 0:
                    self.place(i, k, moves)

    def _snapshot(self):
        return ([r[:] for r in self.routes], self.load.copy(), self.dur.copy(), self.travel.copy(),
                self.pattern[:], [w[:] for w in self.where], self.item_pen.copy())

    def _restore(self, s) -> None:
        self.routes, self.load, self.dur, self.travel, self.pattern, self.where, self.item_pen = (
            [r[:] for r in s[0]], s[1].copy(), s[2].copy(), s[3].copy(), s[4][:], [w[:] for w in s[5]], s[6].copy())
        self._cache.clear()
        self._lane_cache.clear()

    def _undo(self) -> None:
        j, self._journal = self._journal, None
        for lane, (route, load, dur, travel) in j["lanes"].items():
            self.routes[lane], self.load[lane], self.dur[lane], self.travel[lane] = route, load, dur, travel
            self._lane_cache.pop(lane, None)
            self._cache.pop(self.p.lanes[lane].group, None)
        for item, (k, where, pen) in j["items"].items():
            self.pattern[item], self.where[item], self.item_pen[item] = k, where, pen

    def _destroy(self, rng: random.Random, k: int) -> list[int]:
        n = len(self.p.items)
        mode = rng.random()
        if mode < 0.6:  # related: an item and its nearest neighbours
            seed = rng.randrange(n)
            cand = [int(x) for x in self.neighbours[seed][: max(k * 2, k + 1)]]
            out = [seed] + [c for c in cand if c != seed]
            return out[:k]
        if mode < 0.85:  # one lane's items
            busy = [lane for lane, r in enumerate(self.routes) if r]
            if busy:
                lane = rng.choice(busy)
                items = self.routes[lane][:]
                if len(items) > k:
                    start = rng.randrange(len(items) - k + 1)
                    items = items[start:start + k]
                return items
        return rng.sample(range(n), min(k, n))

    def lns(self, limits: Limits) -> dict:
        rng = random.Random(limits.seed)
        t0 = time.perf_counter()
        if any(k < 0 for k in self.pattern):
            self.construct(rng)
        cur = self.objective()
        best, best_state = cur, self._snapshot()
        n = len(self.p.items)
        busy = max(1, int((self.travel > 0).sum()))
        t_start = limits.threshold * float(self.travel.sum()) / busy
        it = 0
        improved_at = 0
        for it in range(limits.iterations):
            if limits.time_limit_s is not None and time.perf_counter() - t0 > limits.time_limit_s:
                break
            if n == 0:
                break
            k = rng.randint(1, max(1, min(limits.max_remove, n // 3 or 1)))
            removed = self._destroy(rng, k)
            self._journal = {"lanes": {}, "items": {}}
            for i in removed:
                self.remove(i)
            if rng.random() < 0.5:
                rng.shuffle(removed)
            else:
                removed.sort(key=lambda i: -self.C[self.p.items[i].node].min())
            noise = 0.1 if rng.random() < 0.3 else 0.0
            for i in removed:
                c, kk, moves = self.best_pattern(i, rng, noise)
                if kk >= 0:
                    self.place(i, kk, moves)
            new = self.objective()
            threshold = t_start * (1.0 - it / limits.iterations)
            if new < best - 1e-9:
                best, best_state, improved_at = new, self._snapshot(), it
            if new <= cur + threshold:
                cur = new
                self._journal = None
            else:
                self._undo()
        self._restore(best_state)
        return {"iterations": it + 1, "objective": best, "last_improvement": improved_at,
                "seconds": time.perf_counter() - t0}
