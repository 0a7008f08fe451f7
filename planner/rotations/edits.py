"""Hand adjustments of a rotation plan: move a unit's session to another half-day, unit or premises, pin a
half-day (its session, or no session) or release it.

Each edit is checked at once: what a planner can break by hand is refused in French before anything is built
(a rest day or a public holiday, premises closed or withdrawn, no member present, too far for the day, the
room already taken), then the plan is assembled again (legs, nights, the consultations shared between
communes) and goes through the checker. A refused edit changes nothing. Pins live in the problem
(`RotationProblem.pins`), so "re-plan around my pins" is the planner's own solve of that problem.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from planner.core.edited import Edited
from planner.core.errors import InputError
from planner.core.french import day_fr
from planner.core.hours import format_hhmm
from planner.core.travel import TravelMatrix
from planner.rotations.assemble import allocate_greedy, assemble
from planner.rotations.candidates import candidate, ceil_min, drive_s
from planner.rotations.check import check
from planner.rotations.cpsat.read_ortools import allocate_fair
from planner.rotations.model import (HALF_FR, HALVES, Premises, RotationProblem, RotationSolution, Session,
                                     SessionPin, Unit)
from planner.rotations.slots import session_window

FAIR_LIMIT_S = 1.0  # search time for sharing the sessions' consultations again after an edit


def _refuse(message: str, field: str) -> InputError:
    return InputError(message, field=field)


def _slot(problem: RotationProblem, unit_id: str, day: date, half: str) -> str:
    """'Unité 1, mardi 8 décembre 2026 après-midi' (and the unit known and the half-day valid)."""
    if unit_id not in {u.id for u in problem.units}:
        raise _refuse(f"unité inconnue dans ce plan : {unit_id}", "unit_id")
    if half not in HALVES:
        raise _refuse(f"demi-journée inconnue : {half} (matin « am » ou après-midi « pm »)", "half")
    return f"{problem.unit(unit_id).name}, {day_fr(day)} {HALF_FR[half]}"


def _why_not(problem: RotationProblem, matrix: TravelMatrix, unit: Unit, day: date, half: str,
             premises: Premises, reason: str) -> str:
    """Why this unit cannot consult at these premises on that half-day, in the planner's words: a reason code
    of `candidate` (planner.rotations.candidates.REASONS) in French."""
    u, p = unit, premises
    if reason == "outside_mission":
        return f"le {day_fr(day)} est hors de la mission de {u.name} (du {day_fr(u.start)} au {day_fr(u.end)})"
    if reason == "holiday":
        return f"le {day_fr(day)} est un jour férié ({problem.holidays()[day]})"
    if reason == "rest":
        return f"le {day_fr(day)} est un jour de repos de {u.name}"
    if reason == "no_member":
        return f"aucun membre de {u.name} n'est disponible le {day_fr(day)}"
    if reason == "withdrawn":
        return f"le local {p.name} a été retiré par la commune"
    if reason == "closed":
        return (f"le local {p.name} n'est pas ouvert au moins {problem.half_days.min_session_min} min le "
                f"{day_fr(day)} {HALF_FR[half]}")
    go, back = drive_s(matrix, u, p.id)
    if reason == "too_far":
        return (f"{p.name} est à {ceil_min(go + back)} min aller-retour, au-delà de la limite de conduite de "
                f"{u.name} ({u.max_driving_min} min par jour)")
    if reason == "too_early":
        start = session_window(problem, p, day, half)[0]
        return (f"{u.name} ne peut pas être à {p.name} à {format_hhmm(start)} en partant à "
                f"{format_hhmm(u.day_start_min)} ({ceil_min(go)} min de route)")
    if reason == "too_late":
        return (f"{u.name} ne serait pas rentrée avant {format_hhmm(u.day_end_min)} après la séance à {p.name} "
                f"({ceil_min(back)} min de route)")
    return f"les membres présents de {u.name} ne peuvent tenir aucune consultation à {p.name} ce jour-là"


def move_session(problem: RotationProblem, solution: RotationSolution, matrix: TravelMatrix, unit_id: str,
                 day: date, half: str, *, to_unit_id: str | None = None, to_day: date | None = None,
                 to_half: str | None = None, premises_id: str | None = None, pin: bool = True) -> Edited:
    """The plan with the session of `unit_id` on `day` `half` moved to (`to_unit_id`, `to_day`, `to_half`) at
    `premises_id` (each defaults to where it was), replacing what that half-day held, pinned there unless
    `pin` is False; InputError naming the broken rule in French otherwise."""
    where = _slot(problem, unit_id, day, half)
    old = solution.session_at(unit_id, day, half)
    if old is None and premises_id is None:
        raise _refuse(f"{where} : aucune séance à déplacer (choisissez un local)", "premises_id")
    uid, d, h = to_unit_id or unit_id, to_day or day, to_half or half
    target = _slot(problem, uid, d, h)
    pid = premises_id or old.premises_id
    prem = problem.premises_by_id()
    if pid not in prem:
        raise _refuse(f"local inconnu dans ce plan : {pid}", "premises_id")
    held = problem.pin(uid, d, h)  # the session's own half-day is released by the move
    if held is not None and (uid, d, h) != (unit_id, day, half) and held.premises_id != pid:
        raise _refuse(f"{target} est épinglée : désépinglez-la pour la modifier", "to_day")
    cand = candidate(problem, matrix, problem.unit(uid), d, h, prem[pid])
    if isinstance(cand, str):
        why = _why_not(problem, matrix, problem.unit(uid), d, h, prem[pid], cand)
        raise _refuse(f"{target} à {prem[pid].name} : {why}", "to_day")
    kept = [s for s in solution.sessions if (s.unit_id, s.day, s.half) not in {(unit_id, day, half), (uid, d, h)}]
    others = sum(1 for s in kept if (s.day, s.half, s.premises_id) == (d, h, pid))
    if others >= prem[pid].rooms:
        who = ", ".join(problem.unit(s.unit_id).name for s in kept if (s.day, s.half, s.premises_id) == (d, h, pid))
        raise _refuse(f"{target} : {prem[pid].name} n'a que {prem[pid].rooms} salle(s), déjà prise(s) par {who}",
                      "to_day")
    moved = Session(uid, d, h, pid, cand.start_min, cand.end_min,
                    tuple(m.id for m in problem.unit(uid).members_on(d)), dict(cand.capacity))
    pins = tuple(x for x in problem.pins if x.key not in {(unit_id, day, half), (uid, d, h)})
    if pin:
        pins += (SessionPin(uid, d, h, pid),)
    edited = replace(problem, pins=pins)
    new = _rebuilt(edited, matrix, solution, kept + [moved])
    _final_check(edited, matrix, new)
    src = f" (depuis {where})" if (uid, d, h) != (unit_id, day, half) else ""
    msg = (f"séance de {target} à {prem[pid].name}, {format_hhmm(cand.start_min).replace(':', 'h')}–"
           f"{format_hhmm(cand.end_min).replace(':', 'h')}{src}{' (épinglée)' if pin else ''}")
    return Edited(edited, new, msg)


def _rebuilt(problem: RotationProblem, matrix: TravelMatrix, solution: RotationSolution,
             sessions: list[Session]) -> RotationSolution:
    """The plan for these sessions: same nights, consultations shared again (greedy, then made fairer)."""
    nights = {(dp.unit_id, dp.day): dp.night_place for dp in solution.days}
    allocations = allocate_greedy(problem, matrix, sessions)
    better = allocate_fair(problem, matrix, sessions, allocations, seed=0, deterministic=True,
                           time_limit_s=FAIR_LIMIT_S)
    if better is not None:
        allocations = better[0]
    return replace(assemble(problem, matrix, sessions, nights, allocations, status="FEASIBLE",
                            solve_s=solution.solve_s, solver=f"{solution.solver} ; ajusté à la main"),
                   travel=solution.travel)


def _final_check(problem: RotationProblem, matrix: TravelMatrix, solution: RotationSolution) -> None:
    errors = check(problem, matrix, solution)
    if errors:
        more = f" (et {len(errors) - 1} autre(s))" if len(errors) > 1 else ""
        raise _refuse(f"modification refusée, une règle du plan serait enfreinte : {errors[0]}{more}", "to_day")


def set_session_pin(problem: RotationProblem, solution: RotationSolution, unit_id: str, day: date, half: str,
                    pinned: bool) -> Edited:
    """Pin a half-day as it is in the plan (its session, or no session), or release it."""
    where = _slot(problem, unit_id, day, half)
    if day not in problem.unit(unit_id).dates:
        raise _refuse(f"le {day_fr(day)} est hors de la mission de {problem.unit(unit_id).name}", "day")
    rest = tuple(x for x in problem.pins if x.key != (unit_id, day, half))
    if not pinned:
        return Edited(replace(problem, pins=rest), solution, f"{where} désépinglée")
    s = solution.session_at(unit_id, day, half)
    pin = SessionPin(unit_id, day, half, s.premises_id if s else "")
    what = f"séance à {problem.premises_by_id()[s.premises_id].name}" if s else "sans séance"
    return Edited(replace(problem, pins=rest + (pin,)), solution, f"{where} épinglée ({what})")


def lost_pins(problem: RotationProblem, matrix: TravelMatrix, solution: RotationSolution) -> tuple[str, ...]:
    """Warnings for the pinned sessions a plan could not keep (the problem no longer allows them)."""
    out = []
    prem = problem.premises_by_id()
    for pin in problem.pins:
        s = solution.session_at(*pin.key)
        if pin.premises_id and (s is None or s.premises_id != pin.premises_id):
            why = "local inconnu"
            if pin.premises_id in prem:
                u, p = problem.unit(pin.unit_id), prem[pin.premises_id]
                found = candidate(problem, matrix, u, pin.day, pin.half, p)
                # a pin allowed on its own yet not kept (rooms, the week's limits) reads as the last rule
                why = _why_not(problem, matrix, u, pin.day, pin.half, p,
                               found if isinstance(found, str) else "no_capacity")
            out.append(f"séance épinglée non tenue : {_slot(problem, *pin.key)} à {pin.premises_id} ({why})")
    return tuple(out)


__all__ = ["move_session", "set_session_pin", "lost_pins"]
