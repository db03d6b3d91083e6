"""tracker: keeps a partnership strategy's plan, progress and KPIs, and reports on them.

The package is a library first; ``cli.py`` at the top of the checkout is a thin
command line over it. Nothing here touches the database or the disk at import time.
"""

__version__ = "0.1.0"
