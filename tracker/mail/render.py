"""Rendering an email's templates: Jinja2 with autoescaped HTML, then CSS inlined.

Templates live in ``templates/email/`` (shipped) and may be overridden by a
file of the same name in the workspace's ``templates/email/``. Each email has
three: ``KIND.subject.j2`` (one line), ``KIND.txt.j2`` (the plain part, which
must read well alone) and ``KIND.html.j2``.

Autoescaping is decided by the template's name: ``select_autoescape`` looks at
the last extension only, so it would leave ``.html.j2`` unescaped; the
function below looks at the whole name. The HTML is then passed through
css-inline (remote stylesheets never fetched), because Outlook and most
webmail ignore ``<style>`` blocks, and finally checked: no scripts, no
stylesheet links and no remote images, whatever an override says.
"""

from __future__ import annotations

import os
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker.mail.errors import TemplateError

# Background and text colours of each rating: the word is always in the cell too.
RAG_COLOURS = {
    "red": ("#C00000", "#FFFFFF"),
    "amber": ("#FFC000", "#000000"),
    "green": ("#00704A", "#FFFFFF"),
    "complete": ("#1F4E9A", "#FFFFFF"),
    "grey": ("#D9D9D9", "#000000"),
    "contextual": ("#D9D9D9", "#000000"),
}
RAG_WORDS = {"complete": "Complete", "contextual": "Context", "grey": "Not rated"}
# Better or worse against the period before, never "up" or "down": for a KPI where lower is
# better (days to a decision), up is worse. The keys are MailKpi.trend's.
TREND_WORDS = {
    "up": "better than the period before",
    "down": "worse than the period before",
    "level": "the same as the period before",
}


def autoescape(name: str | None) -> bool:
    """Escape HTML and XML templates, judged by the whole name (``x.html.j2`` is HTML)."""
    if name is None:
        return True  # templates from strings: escape, to be safe
    stem = name.lower().removesuffix(".j2").removesuffix(".jinja")
    return stem.endswith((".html", ".htm", ".xml"))


def rag_word(rating: str | None) -> str:
    value = (rating or "grey").lower()
    return RAG_WORDS.get(value, value.capitalize())


def rag_bg(rating: str | None) -> str:
    return RAG_COLOURS.get((rating or "grey").lower(), RAG_COLOURS["grey"])[0]


def rag_fg(rating: str | None) -> str:
    return RAG_COLOURS.get((rating or "grey").lower(), RAG_COLOURS["grey"])[1]


def long_date(value: date) -> str:
    """Friday 26 June 2020: the form council letters use."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_date(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def wrap(text: str | None, width: int = 72, indent: str = "") -> str:
    """Plain-text paragraphs wrapped for reading (lines kept where the writer broke them)."""
    import textwrap

    if not text:
        return ""
    lines = []
    for para in str(text).splitlines() or [""]:
        lines += textwrap.wrap(
            para,
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=True,
            break_on_hyphens=False,  # file names and dates stay whole
        ) or [indent.rstrip()]
    return "\n".join(lines)


def templates_for(overrides: Path | None) -> Templates:
    """The templates of a workspace, compiled once and reused while its overrides stand.

    Compiling a template costs more than rendering it, and a scheduler pass or a batch
    of return requests builds dozens of emails. The cache is keyed by the overrides
    folder and the name and time of every file in it, so an override added, changed or
    removed (by an officer while the scheduler runs) is picked up by the next email.
    """
    return _compiled(overrides, _signature(overrides))


def _signature(overrides: Path | None) -> tuple[tuple[str, int, int, int, int], ...]:
    """Every file under the overrides (symlinked folders too, as Jinja's loader follows them)
    with what changes when it is written or replaced: size, inode and both times."""
    if overrides is None or not overrides.is_dir():
        return ()
    found = []
    for folder, _, names in os.walk(overrides, followlinks=True):
        for name in names:
            path = Path(folder) / name
            try:
                st = path.stat()
            except OSError:
                continue
            found.append(
                (path.relative_to(overrides).as_posix(), st.st_size, st.st_ino,
                 st.st_mtime_ns, st.st_ctime_ns)
            )  # fmt: skip
    return tuple(sorted(found))


@lru_cache(maxsize=8)
def _compiled(
    overrides: Path | None, signature: tuple[tuple[str, int, int, int, int], ...]
) -> Templates:
    return Templates(overrides)


class Templates:
    """The email templates of one workspace: its overrides first, then the shipped ones."""

    def __init__(self, overrides: Path | None = None) -> None:
        from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

        from tracker import shipped

        loaders = []
        if overrides is not None and overrides.is_dir():
            loaders.append(FileSystemLoader(str(overrides)))
        loaders.append(FileSystemLoader(str(shipped.default_templates())))
        self.overrides = overrides
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=autoescape,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters.update(
            rag_word=rag_word,
            rag_bg=rag_bg,
            rag_fg=rag_fg,
            long_date=long_date,
            short_date=short_date,
            wrap=wrap,
            trend_word=lambda t: TREND_WORDS.get(t or "", ""),
        )

    def render(self, name: str, context: dict[str, Any]) -> str:
        """The rendered template, or a one-line error naming the template file and line."""
        from jinja2 import TemplateError as JinjaError
        from jinja2 import TemplateNotFound, TemplateSyntaxError

        try:
            template = self.env.get_template(name)
            return template.render(context)
        except TemplateNotFound as exc:
            raise TemplateError(
                f"email template {exc.name} is missing",
                hint="restore it, or remove the override that refers to it",
            ) from None
        except TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name or name}:{exc.lineno}"
            raise TemplateError(
                f"email template {where}: {exc.message}",
                hint="correct that line of the template, or delete the override to use the default",
            ) from None
        except JinjaError as exc:  # UndefinedError and friends, raised while rendering
            raise TemplateError(
                f"email template {_failing_line(exc, name)}: {exc}",
                hint="correct that line of the template, or delete the override to use the default",
            ) from None

    def html(self, name: str, context: dict[str, Any]) -> str:
        """The HTML part: rendered, CSS inlined (nothing fetched), then checked."""
        import css_inline

        raw = self.render(name, context)
        check_html(raw, name)
        inliner = css_inline.CSSInliner(
            load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False
        )
        try:
            html = inliner.inline(raw)
        except ValueError as exc:
            raise TemplateError(
                f"email template {name}: its CSS cannot be inlined ({exc})",
                hint="correct the <style> block of the template",
            ) from None
        check_html(html, name)
        return html


_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_EVENT = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_SCHEME = re.compile(r"""\b(?:src|href|background)\s*=\s*["']?\s*([a-z][a-z0-9+.-]*):""", re.I)
_REMOTE_CSS = re.compile(r"url\(\s*[\"']?\s*[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_LOADS = ("src", "background")  # attributes a client fetches by itself (href waits for a click)


def check_html(html: str, name: str) -> None:
    """Refuse HTML that runs code or that a mail client would fetch from elsewhere.

    Only tags are inspected: people's text is escaped, so it cannot form a tag.
    """
    for tag in _TAG.finditer(html):
        element, attrs = tag.group(1).lower(), tag.group(2)
        what = None
        if element in ("script", "iframe", "object", "embed", "form", "link", "base"):
            what = f"a <{element}> element"
        elif _EVENT.search(attrs):
            what = "an event handler (on...=)"
        elif _REMOTE_CSS.search(attrs):
            what = "a remote image or resource"
        else:
            for found in _SCHEME.finditer(attrs):
                scheme = found.group(1).lower()
                attr = found.group(0).split("=")[0].strip().lower()
                if scheme in ("javascript", "vbscript", "data") and attr == "href":
                    what = "a script link"
                elif attr in _LOADS and scheme not in ("cid", "data"):
                    what = "a remote image or resource"
        if what:
            raise TemplateError(
                f"email template {name} produces {what}: {tag.group(0)[:60]!r}",
                hint="emails carry no scripts, links to stylesheets or remote images: remove it",
            )


def _failing_line(exc: BaseException, name: str) -> str:
    """TEMPLATE_FILE:LINE of the innermost template frame in the traceback."""
    where = name
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".jinja", ".html", ".txt")):
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
