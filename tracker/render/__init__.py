"""The render layer: values from the services, drawn for a terminal.

The only part of ``tracker/`` that prints (``tests/test_layers.py`` checks it).
Each module takes a value a service returned (a ``StatusReport``, a
``KpiReport``...) and draws it with Rich through ``tracker.console``; the words
themselves come from ``tracker.wording`` and ``tracker.figures``, which the Excel
pack and the emails share. ``cli.py`` and the commands call these after the work
is done, so a job or a test gets the same values without a terminal.
"""
