"""The rotation's CP-SAT model, in three steps: `build_ortools` (variables, constraints, objective terms),
`phases_ortools` (the solve phases: free, driving cap, driving cut), `read_ortools` (the plan from the solver's values,
and the fair re-split of consultations). `params.SolveParams` holds every option; `hints_ortools` warm-starts the
model from a plan. OR-Tools is imported only here; `planner.rotations.solver_ortools.solve` ties them."""
