"""One module per planner: build its library's problem from a scenario, solve, evaluate, rows.

``context`` holds what every planner function receives; :mod:`planner.registry` lists them.
"""
