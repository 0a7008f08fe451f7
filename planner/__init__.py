"""Domain models and solvers for mobile care teams in medical deserts.

This package holds the problem and solution models and the solvers. It never imports osmnx, folium,
FastAPI or the database: road networks live in `maps`, services in `api` (see tests/test_architecture.py).
"""
