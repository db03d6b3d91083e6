"""KPIs: values per period from the data sets or from owners, rated against targets.

``measures`` holds the SQL for each kind of measure, ``rag`` the rating rules
(pure functions), ``manual`` the values owners record, ``engine`` puts them
together with disclosure control, and ``render`` shows them to people.
"""
