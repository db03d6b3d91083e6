"""Free text people type is screened for identifying data, and cleaned of disguising characters.

Update notes and KPI notes go into packs and emails sent to many agencies, so
they are refused, with nothing stored, when they hold the identifying values
data files may not hold (tracker.privacy), and the error never repeats the value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_kpi_cli import stored_values
from tracker.errors import InvalidValueError
from tracker.usertext import clean_note, screen_free_text

COORDINATOR = "prevent.coordinator@example.org"  # owns SO3.2; a plan administrator too
OWNER = "community.safety@example.org"  # an owner in the shipped plan
ISSUE_NOTE = "Spoke to the boy's mother on 07700 900123, NI QQ123456C, lives at NN1 1AA"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Call 07700 900123 tomorrow", "a phone number"),
        ("ring +44 7700 900123", "a phone number"),
        ("NI QQ 12 34 56 C on file", "a National Insurance number"),
        ("NHS 943 476 5919", "an NHS number"),
        ("lives in NN1 1AA", "a postcode"),
        ("write to parent@gmail.example", "an email address"),
        ("DOB 03/04/2009", "a date of birth"),
        ("d.o.b: 3 April 2009", "a date of birth"),
        ("the young person was born on the 3rd of April 2009", "a date of birth"),
        ("born in 2009, now in year 9", "a date of birth"),
        ("Date of birth 2009-04-03", "a date of birth"),
        (ISSUE_NOTE, "a postcode, a National Insurance number and a phone number"),
        # Written another way, or disguised: still caught.
        (
            "call \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13",
            "a phone number",
        ),
        ("parent\uff20gmail.example", "an email address"),
        ("lives in NN1\u00a01AA", "a postcode"),
        ("lives in nn1 1aa", "a postcode"),
        ("07700\u200b900123", "a phone number"),
        ("07700  900123", "a phone number"),
        ("07700\n900123", "a phone number"),
        ("(01604) 123456", "a phone number"),
        ("07700.900.123", "a phone number"),
        ("0044 7700 900123", "a phone number"),
        ("+44 (0)7700 900123", "a phone number"),
        ("NI qq.12.34.56.c", "a National Insurance number"),
        ("NI QQ-12-34-56-C", "a National Insurance number"),
        ("NHS no: 40 10 23 21 37", "an NHS number"),
        ("nhs number 1234567890", "an NHS number"),
        ("NHS 943.476.5919", "an NHS number"),
        ("NHS 9434 765 919", "an NHS number"),
        ("Rang parent on 07700 900123 3 times", "a phone number"),
        ("Tel07700900123", "a phone number"),
        ("mob 7700 900123", "a phone number"),
        ("07700 \u2013 900123", "a phone number"),
        ("07700/900123", "a phone number"),
        ("born April 2009", "a date of birth"),
        ("date-of-birth 03/04/2009", "a date of birth"),
        ("dob 03042009", "a date of birth"),
        ("write to j.smith @ gmail.example", "an email address"),
        ("write to john(at)gmail.example", "an email address"),
    ],
)
def test_identifying_values_are_refused_by_kind_never_by_value(text: str, kinds: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        screen_free_text(text, field="note", allowed_emails=[OWNER])
    message = str(caught.value)
    assert message.startswith(f"note holds what looks like {kinds}; ")
    assert "\n" not in message
    for token in text.split():
        if any(ch.isdigit() for ch in token) or "@" in token:
            assert token.strip(",.") not in message


@pytest.mark.parametrize(
    "text",
    [
        "Training delivered to 40 staff on 03/04/2020; next session 2020-05-01",
        f"Ask {OWNER} or {OWNER.upper()} for the slides",
        "Example Trust 2020-21 plan agreed; 12 referrals in Q1",
        "Reborn 2020 campaign launched",  # 'born' inside a word
        "Born Free workshop moved to the spring",  # no date follows
        "Budget ref 0123 4567",
        "Q3 3rd meeting moved; Y10 1st term sessions; SO3 2nd action",
        "Dates 01.02.2020-03.04.2021 and 01.04.2020 - 31.03.2021 agreed",
        "Case ref 2020-0101-2345-6; 120 134 150 167 referrals by year",
        "Meeting 12/03/2021 09:30, then 10:00-11:30 on 02/03/2021",
        "Posters give the ACT line 0800 789 321 and Crimestoppers 0800 555 111",
        "Dates 01/02/2020 03/04/2021 and 01/04/2020 - 31/03/2021; call back on Monday",
        "",
        None,
    ],
)
def test_ordinary_notes_pass(text: str | None) -> None:
    screen_free_text(text, field="note", allowed_emails=[OWNER])


def test_an_update_note_with_identifying_data_is_refused_and_nothing_stored(sqlite_cli) -> None:
    result = sqlite_cli(
        "update", "SO3.2", "-s", "in_progress", "--note", ISSUE_NOTE, "--by", COORDINATOR
    )
    assert result.exit_code == 1
    assert result.output == (
        "error: note holds what looks like a postcode, a National Insurance number and a "
        "phone number; tracker never stores identifying data and nothing was saved: write "
        "about people by role, never by name, contact details or date of birth, and give "
        "the text again\n"
    )
    for value in ("07700", "QQ123456C", "NN1"):
        assert value not in result.output
    history = json.loads(sqlite_cli("history", "SO3.2", "--format", "json").output)
    assert history["updates"] == []


def test_an_update_note_may_name_the_plans_own_addresses(sqlite_cli) -> None:
    note = f"Slides sent to {OWNER} for the next panel"
    result = sqlite_cli("update", "SO3.2", "-s", "in_progress", "--note", note, "--by", COORDINATOR)
    assert result.exit_code == 0, result.output
    history = json.loads(sqlite_cli("history", "SO3.2", "--format", "json").output)
    assert [u["note"] for u in history["updates"]] == [note]


def test_a_kpi_note_with_identifying_data_is_refused_and_nothing_stored(sqlite_cli) -> None:
    result = sqlite_cli(
        "kpi", "record", "KPI1.1", "--period", "2020/21 Q1", "--value", "5",
        "--note", "Organiser DOB 01/02/1980", "--by", "plan.administrator@example.org",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("error: note holds what looks like a date of birth; ")
    assert "1980" not in result.output
    assert stored_values(sqlite_cli) == []


# --- characters that disguise text, and those that belong to emoji -----------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("family \U0001f468\u200d\U0001f469\u200d\U0001f467 day", None),  # kept whole
        ("flag \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", None),
        ("abc\u202edef", "abcdef"),
        ("a\u2066b\u2067c\u2068d\u2069e\u202af\u202bg\u202ch\u202di", "abcdefghi"),
        ("stray\u200d joiner \u200d", "stray joiner"),
        ("hidden \U000e0041\U000e0042 tags", "hidden  tags"),
        # characters no XML can hold: a noncharacter, and bytes a terminal sent that were
        # not UTF-8 (Python's surrogate stand-ins); one of them stopped every later pack
        ("Going well \ufffe ok\uffff", "Going well  ok"),
        ("bad \udcff\udcfe bytes \ufdd0", "bad  bytes"),
    ],
)
def test_notes_keep_emoji_joiners_and_lose_bidi_controls(given: str, stored: str | None) -> None:
    assert clean_note(given) == (stored if stored is not None else given)


def test_a_data_file_cell_with_a_bidi_override_is_refused(sqlite_cli, tmp_path: Path) -> None:
    path = tmp_path / "training.csv"
    path.write_text(
        "delivered_on,course,sector,organisation,district,attendees,format\n"
        "01/04/2020,WRAP,Education,Example \u202eloohcS,Corby,12,In person\n"
        "02/04/2020,WRAP,Education,Family \U0001f468\u200d\U0001f469\u200d\U0001f467 hub,"
        "Corby,12,In person\n",
        encoding="utf-8",
    )
    result = sqlite_cli("data", "import", "training", str(path))
    assert result.exit_code == 1
    assert "training.csv:2: organisation holds a bidi control character" in result.output
    assert "training.csv:3" not in result.output


def test_a_note_with_a_character_xml_cannot_hold_still_lets_the_pack_compile(sqlite_cli) -> None:
    result = sqlite_cli(
        "update", "SO3.2", "--status", "in_progress", "--progress", "60",
        "--note", "Going well \ufffe ok", "--on", "2020-05-05",
        "--by", "plan.administrator@example.org",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pack = sqlite_cli("pack", "--meeting", "SG-2020-06")
    assert pack.exit_code == 0, pack.output
