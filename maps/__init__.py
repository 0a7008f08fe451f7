"""Road networks, travel-time matrices and map rendering. Serves `planner`; never imported by it."""
