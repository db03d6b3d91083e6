"""The privacy guard: columns that look like directly identifying data are refused.

Referral data concern vulnerable people, many of them children. The data sets
are pseudonymised at source and tracker must never hold a name, date of birth,
address, postcode, phone number, email address or a national identifier (NHS
number, national insurance number, pupil or learner number, PNC identifier,
passport or driving licence number), even by
accident, so a file carrying such a column is refused as a whole -- even with
``--ignore-extra``, because a file like that should not be circulating at all.
The same test is applied to the fields a plan declares (``tracker plan
check``), so a plan cannot declare a field the importer would then refuse.

Headers are compared after normalising case, spaces, underscores, hyphens and
other punctuation, and after splitting ``camelCase``: ``Date_of_Birth``,
``DOB``, ``dateOfBirth`` and ``date-of-birth`` are all caught. Words that only
look alike are allowed: ``organisation`` (training) and ``reference`` (the
pseudonymous referral reference) are not identifying, nor is the ``name`` of
an organisation, school, course or district.
"""

from __future__ import annotations

import re

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
