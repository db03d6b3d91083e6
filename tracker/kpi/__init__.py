"""KPIs: values per period from the data sets or from owners, rated against targets.

``evaluation`` rates each KPI's periods with disclosure control (pure: the plan,
the as-of date and the fetched aggregates in, ``results`` out); ``service``
fetches those aggregates (``measures``: the SQL for each kind of measure;
``manual``: the values owners record) and evaluates; ``tracker.render.kpis``
shows the results to people. The rating rules are in ``tracker.rag.kpis``.
"""
