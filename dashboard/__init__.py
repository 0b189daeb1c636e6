"""The Streamlit dashboard: stored plans as pages, maps and downloads; scenario copies and solves.

``app.py`` is the entry point (``planner dashboard``); ``views/`` holds one script per page;
``services`` is the pages' only bridge to the library (reads, caches, access, exports,
background solves); ``maps`` draws Sweden and the plans with pydeck; ``mercator`` is the
Web-Mercator arithmetic both share. Nothing here optimises: solves run in
:func:`planner.runs.execute`.
"""
