"""Normalised comparison keys for record linkage: a company's name without its legal form, a
company domain (never a mail provider's), an e-mail, a phone's national digits, a person's
name. Sources spell the same thing many ways; the linker compares these keys instead."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from urllib.parse import urlsplit

from nicknames import NickNamer

LEGAL_FORMS = frozenset(
    "inc incorporated llc l l c ltd limited gmbh corp corporation co company sa sas sarl bv nv "
    "ag plc pty pte oy ab as aps spa srl kk kg lp llp".split()
)
# Mail providers anyone can sign up to: their domain says nothing about the company. A brand
# counts under any country suffix (hotmail.fr, yahoo.co.jp, outlook.de); the rest by name.
PERSONAL_MAIL_BRANDS = frozenset(
    "gmail googlemail yahoo ymail hotmail outlook live msn icloud aol gmx yandex protonmail "
    "proton zoho fastmail hey qq 163 126 sina sohu naver daum hanmail libero seznam rambler "
    "rediffmail wanadoo laposte bluewin".split()
)
PERSONAL_MAIL_DOMAINS = frozenset(
    "me.com mac.com web.de mail.com mail.ru t-online.de orange.fr free.fr sfr.fr btinternet.com "
    "comcast.net verizon.net att.net sbcglobal.net shaw.ca rogers.com bigpond.com "
    "optusnet.com.au xtra.co.nz virginmedia.com sky.com".split()
)
# Words of company names that sources shorten or spell out ("Acme Laboratories", "Acme Labs"),
# each to one form.
COMPANY_WORDS = {
    "laboratories": "labs", "laboratory": "labs", "lab": "labs", "sys": "systems",
    "grp": "group", "intl": "international", "tech": "technologies",
    "technology": "technologies", "svcs": "services", "svc": "services",
    "mfg": "manufacturing", "assoc": "associates", "bros": "brothers", "natl": "national",
    "mgmt": "management", "dept": "department", "univ": "university",
}  # fmt: skip
# Street words as the USPS (Publication 28) abbreviates them, and their common other
# spellings: "12 Main Street", "12 Main St." and "12 MAIN ST" are one address.
STREET_WORDS = {
    "street": "st", "strasse": "str", "avenue": "ave", "av": "ave", "road": "rd",
    "boulevard": "blvd", "drive": "dr", "lane": "ln", "court": "ct", "place": "pl",
    "square": "sq", "terrace": "ter", "parkway": "pkwy", "highway": "hwy", "circle": "cir",
    "suite": "ste", "floor": "fl", "apartment": "apt", "building": "bldg", "north": "n",
    "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
    "southeast": "se", "southwest": "sw", "first": "1st", "second": "2nd", "third": "3rd",
    # in the name itself: "Saint Johns Road" is "St Johns Rd", "Mount Pleasant Ave" "Mt ..."
    "saint": "st", "mount": "mt", "fort": "ft",
}  # fmt: skip
_STRASSE = re.compile(r"(?<=[a-z])(strasse|str)$")  # "Hauptstraße", "Hauptstr."
_COUNTRY_SUFFIX = re.compile(r"^([a-z]{2,3}\.)?[a-z]{2,3}$")  # com, fr, co.uk, com.br
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
PHONE_DIGITS = 10


def fold(text: object) -> str:
    """Lower case, accents removed, punctuation to single spaces."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", plain.replace("&", " and ")).strip()


def street(text: object) -> str:
    """The address line with its words abbreviated one way ("12 Main Street" and "12 MAIN
    ST." are "12 main st"; "Hauptstraße 5" and "Hauptstr. 5" are "hauptstr 5")."""
    words = [_STRASSE.sub("str", w) for w in fold(text).split()]
    return " ".join(STREET_WORDS.get(w, w) for w in words)


def company_name(text: object) -> str:
    """The name without legal forms or a leading article, its words in one form ("ACME,
    Inc." and "Acme Incorporated" are both "acme"; "The Acme Labs" and "Acme Laboratories
    Ltd" both "acme labs")."""
    words = fold(text).split()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(COMPANY_WORDS.get(w, w) for w in words)


def domain(text: object) -> str:
    """The host of a domain, URL or e-mail address, lower case and without `www.`."""
    raw = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    raw = raw.strip().lower()
    if not raw:
        return ""
    if "@" in raw:
        raw = raw.rsplit("@", 1)[1]
    host = urlsplit(raw if "//" in raw else f"//{raw}").hostname or ""
    host = host.removeprefix("www.").rstrip(".")
    return host if _DOMAIN.match(host) else ""


def company_domain(text: object) -> str:
    """A domain that identifies a company: empty for a personal mail provider's."""
    host = domain(text)
    return "" if is_personal_mail_domain(host) else host


def is_personal_mail_domain(host: str) -> bool:
    """Whether ``host`` is a mail provider's anyone can sign up to."""
    brand, _, suffix = host.partition(".")
    return host in PERSONAL_MAIL_DOMAINS or (
        brand in PERSONAL_MAIL_BRANDS and bool(_COUNTRY_SUFFIX.match(suffix))
    )


def email(text: object) -> str:
    """The address lower case and trimmed; empty unless it looks like one."""
    value = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    value = value.strip().lower()
    local, sep, host = value.rpartition("@")
    return value if sep and local and domain(host) else ""


def given_name_forms(name: object) -> list[str]:
    """``name`` (folded) and the names it may stand for or be shortened to, from the
    hand-curated English nickname list of the ``nicknames`` package: "bob" -> "robert",
    "bobby", "rob", ... Related names, not one spelling: the linker weighs agreeing through
    them as its own level, trained like the others."""
    folded = fold(name)
    if not folded:
        return []
    namer = _nick_namer()
    return sorted({folded} | namer.nicknames_of(folded) | namer.canonicals_of(folded))


@cache
def _nick_namer() -> NickNamer:
    return NickNamer()


def phone(text: object) -> str:
    """The last ten digits (the national number in most plans); empty when too short."""
    digits = re.sub(r"\D", "", "" if text is None else str(text))
    return digits[-PHONE_DIGITS:] if len(digits) >= 7 else ""
