"""The ``tracker`` commands, one module per topic; ``cli.py`` puts them together.

Each module either defines ``app`` (a command group such as ``tracker plan``,
registered in cli.py with ``app.add_typer``) or ``register(app)`` (top-level
commands such as ``tracker status``). The options every command shares
(``--workspace``, ``--database``, ``--as-of``...) are in ``commands.options``, and
the group class that turns errors into one line and exit status 1 is in
``commands.common``: use both, so every command behaves alike.

The package sits beside cli.py, not under ``tracker/``: the library never imports
Typer, so jobs and tests call it without a command line. Heavy libraries are
imported inside the command functions so that ``tracker --help`` answers at once.
"""
