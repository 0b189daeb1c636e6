"""One module per planner that builds its problem from a scenario and registers it.

``planner.orchestration.placement`` / ``.staffing`` / ``.routing`` each call
``planner.runs.register(NAME)`` on import; see :mod:`planner.runs`.
"""
