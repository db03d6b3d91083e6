"""The Rich console every table and message is printed through.

One place decides width and colour: in a terminal Rich measures it; when the
output goes to a file, a pipe or CI log, tables are laid out 120 columns wide
(or $COLUMNS) instead of Rich's 80, so wide tables are not cropped. NO_COLOR
is honoured by Rich itself; meaning is never carried by colour alone.
"""

from __future__ import annotations

import os
from typing import Any

from tracker.rag import AMBER, CANCELLED, COMPLETE, CONTEXTUAL, GREEN, GREY, RED

PIPE_WIDTH = 120

# How each rating looks, for actions (complete) and KPIs (contextual) alike. Colour helps;
# the word is always printed, so nothing depends on colour alone.
RAG_STYLES = {
    RED: "bold red",
    AMBER: "bold yellow",
    GREEN: "bold green",
    GREY: "dim",
    COMPLETE: "bold blue",
    CONTEXTUAL: "italic",
    CANCELLED: "dim strike",
}


def make_console(*, stderr: bool = False, **kwargs: Any) -> Any:
    """A ``rich.console.Console`` for tracker's output (imported lazily: Rich is heavy)."""
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, **kwargs)
    # Rich ends a closed pipe (`tracker status | head`) with exit 1 of its own; hand the
    # error to the command line's one handler instead, which stops quietly with 141.
    console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]
    if not console.is_terminal and "COLUMNS" not in os.environ and "width" not in kwargs:
        console.width = PIPE_WIDTH
    return console


def _pipe_closed() -> None:
    raise BrokenPipeError


def rag_text(rating: str) -> Any:
    """The RAG word in capitals, coloured when the terminal allows."""
    from rich.text import Text

    return Text(rating.upper(), style=RAG_STYLES.get(rating, ""))
