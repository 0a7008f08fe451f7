"""The rotation's CP-SAT model, in three steps: `build` (variables, constraints, objective terms),
`phases` (the solve phases: free, driving cap, driving cut), `read` (the plan from the solver's values,
and the fair re-split of consultations). `params.SolveParams` holds every option; `hints` warm-starts the
model from a plan. OR-Tools is imported only here; `planner.rotations.solver_ortools.solve` ties them."""
