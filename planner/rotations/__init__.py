"""Rotations of mobile multidisciplinary units across municipal premises (3 to 15 days).

model (types) -> io (JSON/CSV) -> need, reach, slots (what is possible) -> solver_ortools (CP-SAT) or
baseline (greedy) -> assemble/legs (solution) -> check (independent verification) -> view (PlanView).
"""
