"""The privacy guard: identifying data is refused, in column headers, cells and free text.

Referral data concern vulnerable people, many of them children. The data sets
are pseudonymised at source and tracker must never hold a name, date of birth,
address, postcode, phone number, email address or a national identifier (NHS
number, national insurance number, pupil or learner number, PNC identifier,
passport or driving licence number), even by accident.

Two kinds of test live here, so that the plan, the importer and every place
that stores free text use the same rules (this module imports nothing from
tracker, so any layer may use it):

* **headers** (``identifying_kind``): a file carrying a column like that is
  refused as a whole -- even with ``--ignore-extra``, because a file like that
  should not be circulating at all. The same test is applied to the fields a
  plan declares (``tracker plan check``). Headers are compared after
  normalising case, spaces, underscores, hyphens and other punctuation, and
  after splitting ``camelCase``: ``Date_of_Birth``, ``DOB``, ``dateOfBirth``
  and ``date-of-birth`` are all caught. Words that only look alike are
  allowed: ``organisation`` (training) and ``reference`` (the pseudonymous
  referral reference) are not identifying, nor is the ``name`` of an
  organisation, school, course or district.
* **values** (``identifying_value``, ``identifying_values``): text holding an
  email address, a UK postcode, a National Insurance number, a valid NHS
  number (its check digit is tested, so other 10-digit codes pass), a UK
  phone number, or a date written next to words saying it is a date of birth
  ("DOB 03/04/2009", "born on 3 April 2009", "born in 2009"). Text cells of
  data files and every free-text field people type (update notes, KPI notes,
  narratives, override reasons: ``tracker.usertext.screen_free_text``) are
  checked with them. Names cannot be told from other words, so they are not
  caught: docs/data.md says what must never be written.
"""

from __future__ import annotations

import re
import unicodedata

# What a match is reported as, for each way of spotting it.
# Whole words: a header containing any of these words is identifying.
_WORDS: dict[str, str] = {
    "dob": "date of birth",
    "birthdate": "date of birth",
    "birthday": "date of birth",
    "address": "address",
    "addr": "address",
    "street": "address",
    "postcode": "postcode",
    "postcodes": "postcode",
    "zip": "postcode",
    "zipcode": "postcode",
    "phone": "phone number",
    "telephone": "phone number",
    "tel": "phone number",
    "mobile": "phone number",
    "email": "email address",
    "emails": "email address",
    "nino": "national insurance number",
    "upn": "pupil number (UPN)",
    "uln": "learner number (ULN)",
    "forename": "name",
    "forenames": "name",
    "surname": "name",
    "surnames": "name",
    "initials": "name",
    "landline": "phone number",
    "fax": "phone number",
    "alias": "name",
    "aliases": "name",
    "aka": "name",
    "pnc": "police national computer (PNC) identifier",
    "passport": "passport number",
}

# Runs of letters in the header with spaces removed (so 'e mail', 'post code' and
# 'NHS No.' are caught however they are spaced).
_SQUASHED: dict[str, str] = {
    "dateofbirth": "date of birth",
    "birthdate": "date of birth",
    "firstname": "name",
    "lastname": "name",
    "fullname": "name",
    "givenname": "name",
    "familyname": "name",
    "middlename": "name",
    "maidenname": "name",
    "forename": "name",
    "surname": "name",
    "address": "address",
    "postcode": "postcode",
    "zipcode": "postcode",
    "telephone": "phone number",
    "phonenumber": "phone number",
    "phoneno": "phone number",
    "mobilenumber": "phone number",
    "mobileno": "phone number",
    "email": "email address",
    "nhsnumber": "NHS number",
    "nhsno": "NHS number",
    "nationalinsurance": "national insurance number",
    "ninumber": "national insurance number",
    "nino": "national insurance number",
    "uniquepupilnumber": "pupil number (UPN)",
    "uniquelearnernumber": "learner number (ULN)",
    "pupilnumber": "pupil number (UPN)",
    "pupilno": "pupil number (UPN)",
    "pupilid": "pupil number (UPN)",
    "pupilref": "pupil number (UPN)",
    "studentnumber": "pupil number (UPN)",
    "studentno": "pupil number (UPN)",
    "studentid": "pupil number (UPN)",
    "learnernumber": "learner number (ULN)",
    "learnerno": "learner number (ULN)",
    "learnerid": "learner number (ULN)",
    "housenumber": "address",
    "housename": "address",
    "houseno": "address",
    "contactnumber": "phone number",
    "contactno": "phone number",
    "knownas": "name",
    "policenationalcomputer": "police national computer (PNC) identifier",
    "drivinglicence": "driving licence number",
    "drivinglicense": "driving licence number",
    "chinumber": "CHI number",
    "hospitalnumber": "hospital number",
}

# Checked before the words above, so that 'E-mail address' is reported as an
# email address rather than an address.
_FIRST: dict[str, str] = {
    "email": "email address",
    "dateofbirth": "date of birth",
    "nhsnumber": "NHS number",
    "nhsno": "NHS number",
}

# Whole headers that are identifying on their own ('D.O.B.', 'House').
_WHOLE: dict[str, str] = {
    "dob": "date of birth",
    "house": "address",
    "name": "name",
    "mob": "phone number",
    "mobno": "phone number",
}

# 'name' on its own is a person's name, unless it is the name of one of these.
_NOT_A_PERSON = frozenset(
    (
        "organisation",
        "organisations",
        "organization",
        "organizations",
        "org",
        "school",
        "schools",
        "college",
        "course",
        "courses",
        "team",
        "district",
        "districts",
        "sector",
        "sectors",
        "setting",
        "agency",
        "agencies",
        "company",
        "employer",
        "ward",
        "venue",
        "provider",
        "service",
        "services",
        "business",
        "site",
        "establishment",
        "trust",
        "unit",
        "department",
        "institution",
        "session",
        "event",
        "file",
        "sheet",
        "dataset",
        "data",
        "set",
        "place",
        "location",
        "area",
        "borough",
        "council",
        "partner",
        "partnership",
        "programme",
        "program",
        "product",
        "module",
        "workshop",
    )
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def header_words(header: str) -> list[str]:
    """The words of a header: camelCase split, lower case, punctuation dropped."""
    spaced = _CAMEL.sub(" ", str(header))
    return [w for w in _NON_ALNUM.split(spaced.casefold()) if w]


def identifying_kind(header: str) -> str | None:
    """What directly identifying data ``header`` looks like ('date of birth'...), or None."""
    words = header_words(header)
    if not words:
        return None
    squashed = "".join(words)
    for part, kind in _FIRST.items():
        if part in squashed:
            return kind
    for w in words:
        if w in _WORDS:
            return _WORDS[w]
    if squashed in _WHOLE:
        return _WHOLE[squashed]
    for part, kind in _SQUASHED.items():
        if part in squashed:
            return kind
    if ("name" in words or "names" in words) and not _NOT_A_PERSON.intersection(words):
        return "name"
    return None


def refusal(header: str, kind: str) -> str:
    """The message for a refused column: what it looks like and what to do."""
    return (
        f"column '{header}' looks like directly identifying data ({kind}); "
        "tracker never stores identifying data: remove the column and export the file again"
    )


# --- values -----------------------------------------------------------------------

_EMAIL = re.compile(
    r"[^\s@<>(),;:\"']+(?: ?@ ?| ?[(\[]at[)\]] ?)[^\s@<>(),;:\"']+\.[A-Za-z]{2,}", re.IGNORECASE
)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])"
)
# The same in any case ('nn1 1aa'), except an inward code that reads as an ordinal in lower
# or mixed case ('Q3 3rd', 'Y10 1st'): those are caught only in capitals ('NN1 1ST').
_POSTCODE_ANY_CASE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9]"
    r"(?!(?-i:st|nd|rd|th|St|Nd|Rd|Th)(?![A-Za-z0-9]))[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Two letters, six digits and A-D, spaced, dotted or hyphenated or not (the letter rules are
# not checked: the documented example QQ 12 34 56 C must be caught too).
_NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[ .-]?\d{2}[ .-]?\d{2}[ .-]?\d{2}[ .-]?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Ten digits grouped 3-3-4 (the NHS's own way) or run together: an NHS number when the check
# digit is right. After the word NHS, ten digits in any grouping are one whatever the check.
_TEN_DIGITS = re.compile(r"(?<![0-9])(\d{3})[ .-]?(\d{3})[ .-]?(\d{4})(?![0-9])")
_NHS_WORDED = re.compile(
    r"(?<![a-z])nhs(?![a-z])[\s:#.-]*(?:(?:no|num|number)(?![a-z])[\s:#.-]*)?"
    r"(?:\d[ .-]?){9}\d(?![0-9])",
    re.IGNORECASE,
)
# 0 or +44 / 0044 and ten or eleven digits in all, spaced, dotted, hyphenated, slashed or
# bracketed ('(01604) 123456', '+44 (0)7700 900123'), glued to a word or not ('Tel07700...').
# Only numbers a person has: 01, 02, 03 and 07 (08 and 09 are freephone and service lines,
# such as the Anti-Terrorist Hotline 0800 789 321). Not inside a longer run of digits, so dates
# such as 01.02.2020 and references such as 2020-0101-2345-6 are not taken for one; a number
# after a space may follow ('07700 900123 3 times').
_UK_PHONE = re.compile(
    r"(?<![0-9+])(?<![0-9][./_-])(?:(?:\+|00)44[ .-]?(?:\(0\)[ .-]?)?|\(?0[ .)-]?)"
    r"[1-7](?:[ .)/_-]{0,3}\d){8,9}(?![.()/_-]?[0-9])"
)
# After a word saying it is a phone number, the number even without its 0 ('mob 7700 900123').
_PHONE_WORDED = re.compile(
    r"(?<![a-z])(?:tel|telephone|phone|mob|mobile|ph|call|ring|text)(?![a-z])[\s:.#-]{0,3}"
    r"(?:\+?44[ .-]?)?0?[1-7](?:[ .)/_-]{0,3}\d){8,9}(?![0-9])",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_A_DATE = (
    r"(?:\d{1,2}[/. -]\d{1,2}[/. -]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{8}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?: of)?[ -]{_MONTH}\.?,?(?:[ -]\d{{2,4}})?"
    rf"|{_MONTH}\.?[ -]\d{{1,2}}(?:st|nd|rd|th)?,?(?: \d{{4}})?"
    rf"|{_MONTH}\.?,?[ -](?:19|20)\d{{2}}|(?:19|20)\d{{2}})"
)
# Wording that says a date is someone's birth date, then the date (a few words may
# come between: "born on the 3rd of April 2009", "DOB: 03/04/2009").
_BIRTH_DATE = re.compile(
    r"(?<![a-z])(?:d\.?o\.?b\.?|date[\s_-]+of[\s_-]+birth|birth[\s_-]*date|birthday|born)"
    rf"(?![a-z])[\s:,-]*(?:(?:on|in|the|of|is|was)[\s:,-]+){{0,3}}{_A_DATE}(?![0-9])",
    re.IGNORECASE,
)


def _valid_nhs_number(digits: str) -> bool:
    """NHS numbers carry a modulus-11 check digit, which keeps other 10-digit codes out."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


_AT = re.compile(r" ?@ ?| ?[(\[]at[)\]] ?", re.IGNORECASE)


def _emails(text: str, allowed: frozenset[str]) -> bool:
    """Whether ``text`` holds an address (however written: 'a @ b.org', 'a(at)b.org') other
    than the ``allowed`` ones."""
    return any(
        _AT.sub("@", m.group(0)).lower().rstrip(".") not in allowed for m in _EMAIL.finditer(text)
    )


# Dashes and minus signs as the hyphen the patterns know (Word turns ' - ' into ' – ').
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


_SPACE_RUNS = re.compile(r"\s+")
# Control characters that are not whitespace, dropped: '07700\x01900123' is a phone number.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")


def screened_form(text: str) -> str:
    """``text`` as the patterns read it: compatibility forms folded (full-width digits and
    '＠' to ASCII, no-break and other spaces to spaces), invisible format characters (zero
    width spaces and joiners, soft hyphens, bidi controls) dropped, and every run of
    whitespace, line breaks included, read as one space; other control characters dropped.
    Only for screening: the text kept is the text as given."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_DASHES)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    if "  " in text or not text.isprintable():
        text = _CONTROLS.sub("", _SPACE_RUNS.sub(" ", text))
    return text


def _may_hold_email(text: str) -> bool:
    lowered = text.lower()
    return "@" in text or "at]" in lowered or "at)" in lowered


def _nhs_number(text: str) -> bool:
    if _NHS_WORDED.search(text):
        return True
    return any(_valid_nhs_number("".join(m.groups())) for m in _TEN_DIGITS.finditer(text))


def _postcode(text: str) -> bool:
    return bool(_POSTCODE.search(text) or _POSTCODE_ANY_CASE.search(text))


def identifying_values(text: str, *, allowed_emails: frozenset[str] = frozenset()) -> list[str]:
    """Every kind of directly identifying value in ``text`` ('a postcode'...), in a fixed order.

    ``allowed_emails`` (lower case) are addresses that may appear: the plan's own
    owners and recipients, who are roles, not the people the data are about.
    """
    text = screened_form(text)
    found: list[str] = []
    if _may_hold_email(text) and _emails(text, allowed_emails):
        found.append("an email address")
    if _postcode(text):
        found.append("a postcode")
    if _NI_NUMBER.search(text):
        found.append("a National Insurance number")
    if _nhs_number(text):
        found.append("an NHS number")
    if _UK_PHONE.search(text) or _PHONE_WORDED.search(text):
        found.append("a phone number")
    if _BIRTH_DATE.search(text):
        found.append("a date of birth")
    return found


# Any of the patterns below, in one scan: most cells match none, and are passed after one search.
_ANY = re.compile(
    "|".join(
        f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})"
        for p in (
            _EMAIL,
            _POSTCODE_ANY_CASE,
            _POSTCODE,
            _NI_NUMBER,
            _TEN_DIGITS,
            _NHS_WORDED,
            _UK_PHONE,
            _PHONE_WORDED,
            _BIRTH_DATE,
        )
    )
)


def identifying_value(text: str) -> str | None:
    """The first kind of directly identifying value in ``text`` (an email address...), or None."""
    text = screened_form(text)
    if _ANY.search(text) is None:
        return None
    if _may_hold_email(text) and _EMAIL.search(text):
        return "an email address"
    if _postcode(text):
        return "a postcode"
    if _NI_NUMBER.search(text):
        return "a National Insurance number"
    if _nhs_number(text):
        return "an NHS number"
    if _UK_PHONE.search(text) or _PHONE_WORDED.search(text):
        return "a phone number"
    if _BIRTH_DATE.search(text):
        return "a date of birth"
    return None


def kinds_text(kinds: list[str]) -> str:
    """'a postcode, a phone number and a date of birth'."""
    return kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
