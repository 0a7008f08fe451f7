"""Steps of `planner demo` after the territory: one module per plan or output, each with run(ctx)."""
