"""``tracker outbox list|show|export``: exact output and exit codes on a real workspace."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

from tests import mailsamples as s
from tracker.delivery import deliver
from tracker.mail.build import as_bytes, build_pack_email, build_return_request
from tracker.mail.transport import Outbox


def _fill(cli) -> tuple[bytes, bytes]:
    outbox = Outbox(cli.workspace / "outbox")
    request = build_return_request(s.return_request(), sender=s.SENDER, date=s.NOW)
    pack = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW)
    deliver(request, transport=outbox)
    deliver(pack, transport=outbox)
    return as_bytes(request), as_bytes(pack)


def test_an_empty_outbox(sqlite_cli) -> None:
    result = sqlite_cli("outbox", "list")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"the outbox {sqlite_cli.workspace / 'outbox'} is empty"
    result = sqlite_cli("outbox", "show", "pack")
    assert result.exit_code == 1
    assert "error: the outbox" in result.output and "is empty" in result.output


def test_list_show_and_export(sqlite_cli, tmp_path: Path) -> None:
    _, pack = _fill(sqlite_cli)
    result = sqlite_cli("outbox", "list")
    assert result.exit_code == 0, result.output
    assert "return-request.sg-2020-07." in result.output and "pack.sg-2020-07." in result.output
    assert "2 recipients" in result.output
    assert result.output.strip().endswith("2 message(s); 'tracker outbox show ID' prints one")

    listed = json.loads(sqlite_cli("outbox", "list", "--format", "json").output)
    kinds = [m["kind"] for m in listed["messages"]]
    assert sorted(kinds) == ["pack", "return_request"]
    pack_entry = next(m for m in listed["messages"] if m["kind"] == "pack")
    assert pack_entry["attachments"] == [{"filename": s.PACK.filename, "bytes": len(s.PACK.data)}]

    shown = sqlite_cli("outbox", "show", "pack")
    assert shown.exit_code == 0, shown.output
    assert f"Attached:   {s.PACK.filename} (5,004 bytes)" in shown.output
    assert "RAG SUMMARY" in shown.output
    detail = json.loads(sqlite_cli("outbox", "show", pack_entry["id"], "--format", "json").output)
    assert detail["message_id"] == pack_entry["message_id"] and "KPI HEADLINES" in detail["text"]

    target = tmp_path / "pack.eml"
    result = sqlite_cli("outbox", "export", "pack", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {target}"
    assert target.read_bytes() == pack
    exported = message_from_bytes(target.read_bytes(), policy=policy.default)
    assert exported["X-Tracker-Kind"] == "pack"
    again = sqlite_cli("outbox", "export", "pack", str(target))
    assert again.exit_code == 1 and "already exists" in again.output
    assert sqlite_cli("outbox", "export", "pack", str(target), "--force").exit_code == 0


def test_an_unknown_or_ambiguous_id_is_one_line(sqlite_cli) -> None:
    _fill(sqlite_cli)
    result = sqlite_cli("outbox", "show", "nonesuch")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: no message 'nonesuch' in the outbox: run 'tracker outbox list' to see the ids"
    ]
    result = sqlite_cli("outbox", "show", "")
    assert result.exit_code == 1
    assert "matches 2 messages" in result.output
