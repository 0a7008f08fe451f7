"""Alternating doctor/nurse home visits (PEPS): model, solver, checker, re-planning and view."""
