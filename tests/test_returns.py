"""Owner returns: the workbook issued, filled in as an owner would, re-saved by LibreOffice, loaded.

Every file here is a real .xlsx written by tracker, edited with openpyxl the way
an owner edits it in Excel (typing into the white cells) and, where said,
opened and saved again by a real LibreOffice.
"""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from tests.returns_support import (
    ADMIN,
    FILLED,
    MEETING,
    NOW,
    ON,
    OTHER,
    OWNER,
    Opened,
    build_workspace,
    copy_workspace,
    fill,
    need_soffice,
    return_file,
)
from tracker.returns import layout as L


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("returns") / "ws"
    build_workspace(ws)
    return ws


@pytest.fixture
def opened(pristine: Path, tmp_path: Path) -> Iterator[Opened]:
    from tracker.returns.manifest import read_key
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    ws = copy_workspace(pristine, tmp_path / "ws")
    with open_workspace(Settings(workspace=ws)) as w:
        yield Opened(path=ws, engine=w.engine, plan=w.plan(), key=read_key(ws))


@pytest.fixture(scope="module")
def resaved(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Returns filled in and then re-saved by LibreOffice: one conversion run for the module."""
    need_soffice()
    from tracker.returns.resave import resave

    folder = tmp_path_factory.mktemp("filled")
    filled = fill(
        return_file(pristine, "prevent-coordinator"),
        FILLED,
        out=folder / "return-filled.xlsx",
    )
    formula = fill(
        return_file(pristine, "prevent-coordinator"),
        {"SO2.3": {"status": "In progress", "progress": "=30+40"}},
        out=folder / "return-formula.xlsx",
    )
    out = resave([filled, formula], tmp_path_factory.mktemp("resaved"))
    return {"filled": out[0], "formula": out[1]}


def mine(opened: Opened) -> Path:
    return return_file(opened.path, "prevent-coordinator")


# --- the workbook ---------------------------------------------------------------------------


def test_workbook_holds_only_the_owners_actions_with_locked_and_unlocked_cells(
    opened: Opened,
) -> None:
    book = openpyxl.load_workbook(mine(opened))
    assert book.sheetnames == [L.RETURN_SHEET, L.LISTS_SHEET, L.MANIFEST_SHEET]
    assert book[L.LISTS_SHEET].sheet_state == "hidden"
    assert book[L.MANIFEST_SHEET].sheet_state == "veryHidden"
    ws = book[L.RETURN_SHEET]
    owned = {a.id for a in opened.plan.actions() if a.owner == "prevent-coordinator"}
    ids = [ws[f"A{r}"].value for r in range(L.FIRST_ROW, ws.max_row + 1)]
    assert ids == ["SO2.3", "SO3.1", "SO3.4"] and set(ids) <= owned
    assert ws.protection.sheet is True and not ws.protection.password
    for column in L.COLUMNS:
        assert ws[f"{column.letter}{L.FIRST_ROW}"].protection.locked is column.locked
    assert ws["C11"].is_date
    assert "Please fill in the white cells" in ws["A3"].value
    assert OWNER in ws["A2"].value


def test_drop_downs_come_from_the_hidden_lists_by_defined_name(opened: Opened) -> None:
    book = openpyxl.load_workbook(mine(opened))
    ws = book[L.RETURN_SHEET]
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["H11:H13"] == L.STATUS_LIST and lists["J11:J13"] == L.RAG_LIST
    assert not any(f and f.startswith('"') for f in lists.values())  # no inline lists
    assert book.defined_names[L.STATUS_LIST].attr_text == "Lists!$A$2:$A$6"
    statuses = [book[L.LISTS_SHEET][f"A{r}"].value for r in range(2, 7)]
    assert statuses == ["Not started", "In progress", "Complete", "On hold", "Cancelled"]


def test_manifest_is_signed_and_stored_twice(opened: Opened) -> None:
    from tracker.returns.reader import _from_properties, _from_sheet

    book = openpyxl.load_workbook(mine(opened))
    in_props, in_sheet = _from_properties(book), _from_sheet(book)
    assert in_props is not None and in_props == in_sheet
    payload, signature = in_props
    assert payload is not None and '"owner":"prevent-coordinator"' in payload
    assert len(signature) == 64
    assert all(len(p.value) <= 255 for p in book.custom_doc_props.props)


def test_issuing_again_supersedes_the_earlier_return(opened: Opened) -> None:
    from tracker.returns.issue import issue_returns, write_returns

    before = opened.count_updates()

    [again] = issue_returns(
        opened.engine, opened.plan, key=opened.key, now=NOW, meeting_id=MEETING, owner_email=OWNER
    )
    assert again.superseded == f"{MEETING}.prevent-coordinator.1"
    assert again.return_id == f"{MEETING}.prevent-coordinator.2"
    [written] = write_returns([again], opened.path / "outputs" / "returns")
    assert written.path is not None and written.path.name.endswith("-v2.xlsx")
    fill(mine(opened), FILLED)
    [stale] = opened.load(mine(opened))
    assert stale.state == "refused" and stale.reason.startswith("stale: ")
    assert opened.count_updates() == before
    fill(written.path, FILLED)
    [fresh] = opened.load(written.path)
    assert fresh.state == "loaded", fresh.reason


# --- loading --------------------------------------------------------------------------------


def _check_recorded(opened: Opened, return_id: str) -> None:
    latest = opened.history("SO2.3")[-1]
    assert (latest.status, latest.progress, latest.rag) == ("in_progress", 70, "amber")
    assert latest.source == "spreadsheet" and latest.return_id == return_id
    assert latest.by == OWNER and latest.on == ON
    assert latest.note == (
        "Two of three districts trained; the third booked for February.\n"
        "Next steps: Final session on 9 February\nRisks and issues: Venue availability"
    )
    done = opened.history("SO3.1")[-1]
    assert (done.status, done.progress, done.source) == ("complete", 100, "spreadsheet")


def test_a_filled_return_loads_records_updates_and_a_second_load_changes_nothing(
    opened: Opened,
) -> None:
    before = opened.count_updates()
    fill(mine(opened), FILLED)
    [first] = opened.load(mine(opened))
    assert first.state == "loaded", (first.reason, [str(p) for p in first.problems])
    assert [c.action_id for c in first.changes] == ["SO2.3", "SO3.1"]
    assert first.blank == ["SO3.4"] and first.recorded == 2
    assert first.changes[0].changed_fields() == ["progress", "rag", "note"]
    _check_recorded(opened, f"{MEETING}.prevent-coordinator.1")
    assert opened.count_updates() == before + 2
    # Returned at the moment the load was given (the command's clock), not the host's.
    [returned] = [
        o for o in opened.status().owners if o.return_id == f"{MEETING}.prevent-coordinator.1"
    ]
    assert (returned.state, returned.loaded_at) == ("returned", NOW)

    [second] = opened.load(mine(opened))
    assert second.state == "unchanged" and second.recorded == 0
    assert sorted(second.unchanged) == ["SO2.3", "SO3.1"]
    assert opened.count_updates() == before + 2


def test_a_return_resaved_by_libreoffice_loads_the_same(
    opened: Opened, resaved: dict[str, Path], tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(resaved["filled"])
    assert book[L.MANIFEST_SHEET].sheet_state == "hidden"  # really re-saved: no longer veryHidden
    assert book[L.RETURN_SHEET].freeze_panes is None
    [loaded] = opened.load(resaved["filled"])
    assert loaded.state == "loaded", (loaded.reason, [str(p) for p in loaded.problems])
    assert [c.action_id for c in loaded.changes] == ["SO2.3", "SO3.1"]
    _check_recorded(opened, f"{MEETING}.prevent-coordinator.1")
    [again] = opened.load(resaved["filled"])
    assert again.state == "unchanged"
    # The original, as the tracker's own openpyxl save left it, is the same return: unchanged too.
    original = fill(mine(opened), FILLED, out=tmp_path / "original.xlsx")
    [same] = opened.load(original)
    assert same.state == "unchanged"


def test_a_formula_in_an_input_cell_is_refused_even_after_libreoffice_calculated_it(
    opened: Opened, resaved: dict[str, Path]
) -> None:
    before = opened.count_updates()
    [load] = opened.load(resaved["formula"])
    assert load.state == "problems"
    [problem] = load.problems
    assert (problem.sheet, problem.line, problem.column) == (L.RETURN_SHEET, 11, "I")
    assert "formula" in str(problem) and "cell I11 (Progress %)" in str(problem)
    assert opened.count_updates() == before


def test_a_formula_typed_into_a_fresh_file_is_refused_with_its_cell(opened: Opened) -> None:
    fill(mine(opened), {"SO3.4": {"status": "In progress", "narrative": '=HYPERLINK("x")'}})
    [load] = opened.load(mine(opened))
    assert load.state == "problems"
    assert [(p.line, p.column) for p in load.problems] == [(13, "K")]


def test_every_problem_is_listed_with_sheet_row_and_column_and_nothing_is_written(
    opened: Opened,
) -> None:
    before = opened.count_updates()
    fill(
        mine(opened),
        {
            "SO2.3": {"status": "Finished", "progress": 140, "rag": "Purple"},
            "SO3.1": {"narrative": "Spoke to the family at 12 High Street, NN1 1AA"},
            "SO3.4": {"status": "Complete", "progress": 50, "risks": "x" * 400},
        },
    )
    [load] = opened.load(mine(opened))
    assert load.state == "problems"
    found = {(p.line, p.column) for p in load.problems}
    assert found == {(11, "H"), (11, "I"), (11, "J"), (12, "H"), (12, "K"), (13, "I"), (13, "M")}
    assert load.blank == []  # rows with problems are listed with them, never as "left empty"
    postcode = next(p for p in load.problems if (p.line, p.column) == (12, "K"))
    assert "a postcode" in postcode.message and "NN1" not in postcode.message
    assert opened.count_updates() == before


@pytest.mark.parametrize("typed", ["\u00b2", "7" * 5000, "\uff15\uff10", "1e2"])
def test_a_progress_that_is_no_plain_number_is_a_cell_problem(opened: Opened, typed: str) -> None:
    before = opened.count_updates()
    fill(mine(opened), {"SO3.1": {"status": "In progress", "progress": typed}})
    [load] = opened.load(mine(opened))
    assert load.state == "problems", load.reason
    [problem] = load.problems
    assert (problem.line, problem.column) == (12, "I")
    assert "is not a whole number from 0 to 100" in problem.message
    assert len(problem.message) < 120
    assert opened.count_updates() == before


def test_text_typed_outside_the_issued_rows_is_reported_not_lost(opened: Opened) -> None:
    book = openpyxl.load_workbook(mine(opened))
    book[L.RETURN_SHEET]["K20"] = "A note below the table"
    book.save(mine(opened))
    [load] = opened.load(mine(opened))
    assert load.state == "problems"
    assert [(p.line, p.column) for p in load.problems] == [(20, "K")]


def test_a_narrative_far_too_long_gets_the_sheets_own_limit(opened: Opened) -> None:
    path = fill(mine(opened), {"SO2.3": {"status": "In progress", "narrative": "word " * 6400}})
    [load] = opened.load(path)
    assert load.state == "problems"
    limit = L.BY_KEY["narrative"].limit
    assert [p.message for p in load.problems] == [
        f"it is 31999 characters long; please keep it to {limit}"
    ]


def test_many_stray_cells_are_listed_only_so_far(opened: Opened) -> None:
    book = openpyxl.load_workbook(mine(opened))
    for row in range(30, 130):
        book[L.RETURN_SHEET][f"K{row}"] = "stray"
    book.save(mine(opened))
    [load] = opened.load(mine(opened))
    assert load.state == "problems"
    assert len(load.problems) == 51  # 50 listed, then one line saying there are more
    assert load.problems[-1].message.startswith("and more cells outside the issued rows")


def test_a_return_whose_sheet_is_far_larger_than_any_issued_is_refused_unread(
    opened: Opened, tmp_path: Path
) -> None:
    """A million stray cells in 5 MB took minutes and gigabytes to read and list."""
    import zipfile

    source = mine(opened)
    target = tmp_path / source.name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.startswith("xl/worksheets/") and b"</sheetData>" in data:
                rows = b"".join(
                    b'<row r="%d"><c r="Z%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
                    for n in range(1000, 160_000)
                )
                data = data.replace(b"</sheetData>", rows + b"</sheetData>", 1)
                new.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
            else:
                new.writestr(info, data)
    before = opened.count_updates()
    [load] = opened.load(target)
    assert load.state == "refused", load
    assert "MB of cells, far more than a return of a few actions" in load.reason
    assert opened.count_updates() == before


@pytest.mark.parametrize(
    ("where", "cell", "value"),
    [
        ("locked cell", "B11", "A different title"),
        ("locked date", "C12", "2030-01-01"),
        ("manifest sheet", None, None),
        ("document property", None, None),
    ],
)
def test_a_tampered_return_is_refused_with_nothing_written(
    opened: Opened, where: str, cell: str | None, value: str | None
) -> None:
    from openpyxl.packaging.custom import StringProperty

    path = fill(mine(opened), FILLED)
    book = openpyxl.load_workbook(path)
    if cell:
        book[L.RETURN_SHEET][cell] = value
    elif where == "manifest sheet":
        hidden = book[L.MANIFEST_SHEET]
        text = L.decode(hidden["B2"].value)
        assert text is not None
        hidden["B2"] = L.encode(text.replace('"version":', '"version":1'))
    else:
        props = book.custom_doc_props
        prop = props[L.PROP_SIGNATURE]
        props.props.remove(prop)
        props.append(StringProperty(name=L.PROP_SIGNATURE, value="0" * 64))
    book.save(path)
    before = opened.count_updates()
    [load] = opened.load(path)
    assert load.state == "refused"
    assert load.reason.startswith("tampered: ")
    assert "\n" not in load.reason
    assert opened.count_updates() == before


def test_a_return_copied_into_a_new_file_is_refused(opened: Opened, tmp_path: Path) -> None:
    source = openpyxl.load_workbook(mine(opened))[L.RETURN_SHEET]
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for row in source.iter_rows(values_only=True):
        ws.append(row)
    book.save(tmp_path / "copy.xlsx")
    [load] = opened.load(tmp_path / "copy.xlsx")
    assert load.state == "refused" and "no manifest" in load.reason


def test_another_owners_return_is_refused(opened: Opened) -> None:
    path = fill(mine(opened), FILLED)
    before = opened.count_updates()
    [load] = opened.load(path, by=OTHER)
    assert load.state == "refused"
    assert load.reason.startswith("another owner's return: ")
    assert opened.count_updates() == before
    # The owner may load their own; so may an administrator (tested above).
    theirs = fill(return_file(opened.path, "community-safety"), {"SO1.2": {"status": "On hold"}})
    [ok] = opened.load(theirs, by=OTHER)
    assert ok.state == "loaded", ok.reason


def test_a_macro_enabled_workbook_is_refused(opened: Opened, tmp_path: Path) -> None:
    target = tmp_path / "return.xlsm"
    shutil.copyfile(fill(mine(opened), FILLED), target)
    [load] = opened.load(target)
    assert load.state == "refused" and "macro-enabled" in load.reason


def test_an_action_updated_after_issue_is_a_conflict_unless_forced(opened: Opened) -> None:
    from tracker.progress import record_update

    record_update(
        opened.engine, opened.plan, action_id="SO2.3", status="in_progress", progress=65,
        rag=None, note="Updated by the coordinator directly", on=ON, by=ADMIN, source="cli",
        today=ON,
    )  # fmt: skip
    before = opened.count_updates()
    fill(mine(opened), FILLED)
    [held] = opened.load(mine(opened))
    assert held.state == "conflicts"
    [conflict] = held.conflicts
    assert conflict.action_id == "SO2.3" and conflict.conflict is not None
    assert conflict.conflict.source == "cli" and conflict.before.progress == 65
    assert opened.count_updates() == before  # the whole file waits, not just SO2.3

    [forced] = opened.load(mine(opened), force=True)
    assert forced.state == "loaded" and forced.recorded == 2
    assert opened.history("SO2.3")[-1].progress == 70
    [again] = opened.load(mine(opened))
    assert again.state == "unchanged"


def test_a_batch_goes_on_past_a_bad_file_and_a_declined_one_writes_nothing(
    opened: Opened, tmp_path: Path
) -> None:
    bad = tmp_path / "not-a-workbook.xlsx"
    bad.write_text("hello")
    good = fill(mine(opened), FILLED)
    other = fill(return_file(opened.path, "community-safety"), {"SO1.2": {"status": "On hold"}})
    asked: list[str] = []

    def confirm(load: object) -> bool:
        asked.append(load.file)  # type: ignore[attr-defined]
        return load.file == good.name  # type: ignore[attr-defined]

    outcomes = opened.load(bad, good, other, confirm=confirm)
    assert [o.state for o in outcomes] == ["refused", "loaded", "declined"]
    assert asked == [good.name, other.name]
    assert "not a valid .xlsx" in outcomes[0].reason


def test_status_shows_who_has_returned_and_who_is_outstanding(opened: Opened) -> None:
    from tracker.returns.issue import return_status

    opened.load(fill(mine(opened), FILLED))
    report = return_status(opened.engine, opened.plan, today=ON)
    assert report.meeting.id == MEETING
    states = {o.owner_email: o.state for o in report.owners}
    assert states[OWNER] == "returned"
    assert states[OTHER] == "outstanding"
    assert report.counts["returned"] == 1
    deadline = report.owners[0].deadline
    assert deadline == date(2021, 2, 25)  # the cycle's return deadline, as the scheduler's
    late = return_status(opened.engine, opened.plan, today=deadline + timedelta(days=1))
    assert {o.state for o in late.owners} == {"returned", "overdue"}


# --- the key --------------------------------------------------------------------------------


def test_init_creates_a_private_key_outside_the_plan_and_settings(opened: Opened) -> None:
    key = opened.path / ".tracker-secret"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text().strip()
    for name in ("objectives.yaml",):
        assert secret not in (opened.path / name).read_text()
    assert not list(opened.path.glob("tracker.toml"))


def test_a_missing_or_unsafe_key_is_a_clear_error(tmp_path: Path) -> None:
    from tracker.returns.manifest import ReturnKeyError, create_key, read_key

    with pytest.raises(ReturnKeyError, match="tracker returns key"):
        read_key(tmp_path)
    path = create_key(tmp_path)
    assert len(read_key(tmp_path)) == 32
    with pytest.raises(ReturnKeyError, match="already exists"):
        create_key(tmp_path)
    path.chmod(0o644)
    with pytest.raises(ReturnKeyError, match="chmod 600"):
        read_key(tmp_path)


def test_a_return_signed_by_another_workspace_is_refused(opened: Opened, tmp_path: Path) -> None:
    from tracker.returns.manifest import create_key

    path = fill(mine(opened), FILLED)
    create_key(opened.path, replace=True)
    from tracker.returns.manifest import read_key

    opened.key = read_key(opened.path)
    [load] = opened.load(path)
    assert load.state == "refused" and load.reason.startswith("tampered: ")


# --- on both databases ----------------------------------------------------------------------


def test_issue_and_load_on_each_database(tmp_path: Path, database_url: str) -> None:
    """The round trip on SQLite and PostgreSQL: issue, fill, load, load again, supersede."""
    from tracker.returns.issue import issue_returns, return_status, write_returns
    from tracker.returns.manifest import read_key
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    ws = tmp_path / "ws"
    url = None if database_url.startswith("sqlite") else database_url
    build_workspace(ws, url)
    with open_workspace(Settings(workspace=ws, database_url=url)) as w:
        opened = Opened(path=ws, engine=w.engine, plan=w.plan(), key=read_key(ws))
        path = fill(return_file(ws, "prevent-coordinator"), FILLED)
        [first] = opened.load(path)
        assert first.state == "loaded" and first.recorded == 2
        _check_recorded(opened, f"{MEETING}.prevent-coordinator.1")
        [second] = opened.load(path)
        assert second.state == "unchanged"
        [again] = write_returns(
            issue_returns(w.engine, w.plan(), key=opened.key, now=NOW, owner_email=OWNER,
                          meeting_id=MEETING),
            tmp_path / "again",
        )  # fmt: skip
        [stale] = opened.load(path)
        assert stale.state == "refused" and "superseded" in stale.reason
        report = return_status(w.engine, w.plan(), today=ON)
        mine_now = next(o for o in report.owners if o.owner_email == OWNER)
        assert mine_now.return_id == again.return_id and mine_now.state == "outstanding"


# --- the pure parts ---------------------------------------------------------------------------


def test_plan_text_that_looks_like_a_formula_is_written_as_text() -> None:
    import io
    from datetime import date

    from tracker.returns.manifest import Manifest, ManifestAction
    from tracker.returns.workbook import SheetText, build_workbook

    cells = {"A": "SO1.1", "B": '=HYPERLINK("http://example.org")', "C": "2021-03-31"}
    manifest = Manifest(
        return_id="M.o.1", owner_id="o", owner_email="o@example.org", meeting_id="M",
        issued_at=NOW, deadline=None, sheet=L.RETURN_SHEET,
        actions=(ManifestAction(id="SO1.1", row=L.FIRST_ROW, version=0, cells=cells),),
    )  # fmt: skip
    text = SheetText("+Role", "@Org", "Group", date(2021, 3, 9), "Plan")
    book = openpyxl.load_workbook(io.BytesIO(build_workbook(manifest, text, b"k" * 32)))
    title = book[L.RETURN_SHEET][f"B{L.FIRST_ROW}"]
    assert title.data_type == "s" and title.value == cells["B"]


def test_locked_cells_compare_equal_across_what_excel_and_libreoffice_write() -> None:
    from datetime import datetime

    from tracker.returns.reader import _same

    assert _same("2021-03-31", datetime(2021, 3, 31))
    assert _same("2021-03-31", 44286)  # a date whose format was lost: its serial number
    assert _same(40, 40.0)
    assert _same(None, "") and _same(None, None) and _same("", None)
    assert not _same("2021-03-31", "2021-04-01")
    assert not _same("A title", "A title changed")


def test_another_owners_manifest_pasted_into_a_workbook_is_refused(opened: Opened) -> None:
    from openpyxl.packaging.custom import StringProperty

    donor = openpyxl.load_workbook(return_file(opened.path, "community-safety"))
    path = fill(mine(opened), FILLED)
    book = openpyxl.load_workbook(path)
    for n in range(2, 10):  # the other owner's manifest, in the sheet and the properties
        book[L.MANIFEST_SHEET].cell(row=2, column=n).value = (
            donor[L.MANIFEST_SHEET].cell(row=2, column=n).value
        )
    book[L.MANIFEST_SHEET]["B3"] = donor[L.MANIFEST_SHEET]["B3"].value
    props = book.custom_doc_props
    for prop in list(props.props):
        props.props.remove(prop)
    for prop in donor.custom_doc_props.props:
        props.append(StringProperty(name=prop.name, value=prop.value))
    book.save(path)
    before = opened.count_updates()
    [load] = opened.load(path, by=OTHER)
    assert load.state == "refused" and load.reason.startswith("tampered: cell ")
    assert opened.count_updates() == before
