"""One world of companies and people, seen by many SaaS systems, each with its own noise.

A company is in one to four systems (CRM, billing, support, marketing), sometimes twice in
one; every copy is spelled the way a real system would spell it: legal forms and casing
vary, names get typos, an article or a spelt-out word ("The Velora Laboratories"), domains
and phones go missing or change format (or are the company's other line, or for a person the
company's switchboard), people use their personal mailbox in one system and their work
address in another, addresses move (a new street, city and postcode in the systems that
heard of it) and are spelt many ways ("12 Main St."). A person
shows up mostly where their company does business (a CRM contact under its account, a
help-desk user under its organisation) and on marketing lists, now and then elsewhere (a
lead, a walk-in requester); one in ten changed jobs, and some systems still show the former
employer.
Different companies share first words ("Velora Labs" and "Velora Systems") and different
people share names, so a linker meets hard negatives too. The truth (which records are the
same entity) is returned beside the records and never put into them."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

import pandas as pd

from autonomos_pipelines.dcl.unify.model import RecordKey
from autonomos_pipelines.sandbox.data import fake_values as fv

SYSTEMS = {
    "account": ("salesforce", "hubspot", "pipedrive", "dynamics365", "stripe", "zendesk",
                "intercom"),
    "contact": ("salesforce", "hubspot", "pipedrive", "dynamics365", "stripe", "zendesk",
                "intercom", "mailchimp"),
}  # fmt: skip
SYLLABLES = "vel or an tra nex qui bo lum ka ri zen dor fa mi so tel var pen lo cor ax".split()
SECOND_WORDS = "Labs Systems Group Analytics Logistics Health Foods Media Robotics Energy".split()
# how some systems spell a company's second word: written out or shortened
SPELLINGS = {"Labs": "Laboratories", "Systems": "Sys", "Group": "Grp"}
LEGAL = ("Inc", "Inc.", ", Inc.", "Incorporated", "LLC", "Ltd", "Limited", "GmbH", "Corp", "")
NICKNAMES = {"Margaret": "Peggy", "Donald": "Don", "Timothy": "Tim", "Barbara": "Babs",
             "Kenneth": "Ken", "Frances": "Fran", "Alan": "Al", "Edsger": "Ed"}  # fmt: skip
FIRST = [*fv.FIRST_NAMES, "Timothy", "Kenneth", "Maria", "Wei", "Priya", "Omar", "Lena", "Jonas"]
LAST = [*fv.LAST_NAMES, "Smith", "Garcia", "Chen", "Okafor", "Novak", "Silva", "Khan", "Meyer"]
# Real populations have thousands of surnames: made-up ones widen the list so that a full
# name is shared about as often as in a real customer base, not by one person in 800.
LAST += sorted(
    {"".join(random.Random(i).choices(SYLLABLES, k=3)).capitalize() for i in range(3000)}
)
PERSONAL = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com")
TLDS = (".com", ".io", ".de", ".co.uk", ".net")
COPIES = (1, 1, 2, 2, 2, 3, 3, 4)  # systems a company / person appears in
# Where a person's record is, the share of chances it is in one of their company's systems
# (or a marketing list, which has no accounts) rather than a system the company is not in.
AT_HOME = 0.85
# People change jobs: a system that met them before shows the former employer (its domain in
# the work address, its account as theirs). Share of people, and of such a person's records.
JOB_CHANGERS = 0.10
# Share of companies named exactly as another, different company.
HOMONYMS = 0.03
# Share of a company's records holding its second line; of a person's phones, the company's.
OTHER_LINE = 0.15
SWITCHBOARD = 0.15
AT_FORMER_JOB = 0.3


@dataclass(frozen=True)
class Company:
    key: str
    name: str
    legal: str
    domain: str
    phone: str
    street: str
    city: tuple[str, str, str, str]
    industry: str
    other_phone: str  # a second line (support, a branch): some systems hold that one


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    phone: str
    mailbox: str  # the personal mailbox's provider: one per person, whatever system


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()


def _new_name(rng: random.Random, made: list[Company], names: set[str]) -> str:
    while True:
        first = made[-1].name.split()[0] if made and rng.random() < 0.3 else _word(rng)
        name = f"{first} {rng.choice(SECOND_WORDS)}" if rng.random() < 0.6 else first
        if name not in names:
            return name


def companies(n: int, rng: random.Random) -> list[Company]:
    """``n`` distinct companies; about a third share their first word with another, and a
    few their whole name (HOMONYMS: another firm, domain and phone, mostly another city), as
    a name is unique only within one register."""
    made: list[Company] = []
    names: set[str] = set()
    domains: set[str] = set()
    while len(made) < n:
        homonym = made and rng.random() < HOMONYMS
        name = rng.choice(made).name if homonym else _new_name(rng, made, names)
        slug = name.lower().replace(" ", rng.choice(("", "-")))
        domain = slug + rng.choice(TLDS)
        if domain in domains:
            domain = f"{slug}-{rng.choice(('group', 'hq', 'global', 'online'))}{rng.choice(TLDS)}"
        if domain in domains:
            continue
        names.add(name)
        domains.add(domain)
        made.append(
            Company(
                f"company:{len(made)}", name, rng.choice(LEGAL[:-1]), domain,
                digits(rng), _street(rng), office(rng), rng.choice(fv.INDUSTRIES), digits(rng),
            )
        )  # fmt: skip
    return made


def office(rng: random.Random) -> tuple[str, str, str, str]:
    """A city and a postcode in it: the city's own postcode with its last two characters
    drawn again (digit for digit, letter for letter), as offices spread over a city's many
    postcodes rather than share one."""
    city, state, postal, country = rng.choice(fv.CITIES)
    redrawn = "".join(
        rng.choice(string.digits if c.isdigit() else string.ascii_uppercase) for c in postal[-2:]
    )
    return city, state, postal[:-2] + redrawn, country


def _street(rng: random.Random) -> str:
    return f"{rng.randint(1, 900)} {rng.choice(['Main', 'Market', 'King', 'High'])} Street"


def _spelled(rng: random.Random, street: str) -> str:
    """``street`` as a system holds it: the suffix written out or abbreviated, as people
    typed it ("12 Main Street", "12 Main St", "12 MAIN ST.")."""
    suffix = rng.choice(("Street", "Street", "St", "St."))
    spelled = street.removesuffix(" Street") + f" {suffix}"
    return spelled.upper() if rng.random() < 0.1 else spelled


def _variant(rng: random.Random, name: str) -> str:
    """Another way a system holds ``name``: "The Velora Labs", "Velora Laboratories"."""
    words = name.split()
    spelt = [SPELLINGS.get(w, w) for w in words]
    return " ".join(spelt) if spelt != words and rng.random() < 0.7 else f"The {name}"


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    edit = rng.choice(("drop", "swap", "double"))
    if edit == "drop":
        return text[:i] + text[i + 1 :]
    if edit == "swap":
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def phone_format(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice((f"+1 ({a}) {b}-{c}", f"{a}{b}{c}", f"{a}-{b}-{c}", f"+1.{a}.{b}.{c}"))


def _company_line(rng: random.Random, company: Company) -> str:
    return company.other_phone if rng.random() < OTHER_LINE else company.phone


def _maybe(rng: random.Random, p: float, value: object) -> object:
    return value if rng.random() < p else None


def account_view(rng: random.Random, company: Company) -> dict[str, object]:
    """One system's record of ``company``."""
    legal = rng.choice(LEGAL)
    base = _variant(rng, company.name) if rng.random() < 0.1 else company.name
    name = f"{base}{legal if legal.startswith(',') else ' ' + legal}".strip()
    name = rng.choice((name, name, name.upper(), name.lower()))
    name = _typo(rng, name) if rng.random() < 0.08 else name
    moved = rng.random() < 0.08
    city, state, postal, country = office(rng) if moved else company.city
    street = _street(rng) if moved else company.street
    website = rng.choice(
        (company.domain, f"https://www.{company.domain}/", f"http://{company.domain}")
    )
    return {
        "name": name,
        "domain": _maybe(rng, 0.5, company.domain),
        "website": _maybe(rng, 0.5, website),
        "phone": _maybe(rng, 0.6, phone_format(rng, _company_line(rng, company))),
        "billing_street": _maybe(rng, 0.7, _spelled(rng, street)),
        "billing_city": _maybe(rng, 0.85, city),
        "billing_postal_code": _maybe(rng, 0.6, postal),
        "billing_country": _maybe(rng, 0.8, country),
        "industry": _maybe(rng, 0.5, company.industry),
    }


def contact_view(
    rng: random.Random, person: Person, company: Company, system: str | None = None
) -> dict[str, object]:
    """``system``'s record (any system's: None) of ``person``, who works at ``company``."""
    first, last, phone = person.first, person.last, person.phone
    shown_first = NICKNAMES.get(first, first) if rng.random() < 0.05 else first
    shown_first = _typo(rng, shown_first) if rng.random() < 0.05 else shown_first
    shown_last = _typo(rng, last) if rng.random() < 0.05 else last
    casing = rng.choice((str, str, str.upper, str.lower))
    work = f"{first}.{last}@{company.domain}".lower().replace(" ", "")
    personal = f"{first}{last}{int(phone[-2:])}@{person.mailbox}".lower().replace(" ", "")
    # a marketing list member is its e-mail address: Mailchimp requires one
    roll = rng.random() * (0.87 if system == "mailchimp" else 1.0)
    email = work if roll < 0.72 else personal if roll < 0.87 else None
    return {
        "first_name": casing(shown_first),
        "last_name": casing(shown_last),
        "full_name": f"{shown_first} {shown_last}",
        "email": email.upper() if email and rng.random() < 0.1 else email,
        # a CRM often holds the company's switchboard for a person, shared by colleagues
        "phone": _maybe(
            rng, 0.45, phone_format(rng, company.phone if rng.random() < SWITCHBOARD else phone)
        ),
        "title": rng.choice(("CEO", "CFO", "VP Sales", "Engineer", "Buyer", None)),
        "mailing_city": _maybe(
            rng, 0.6, rng.choice(fv.CITIES)[0] if rng.random() < 0.1 else company.city[0]
        ),
    }


def _placements(rng: random.Random, entity: str, home: tuple[str, ...] = ()) -> list[str]:
    """The systems a record of one entity appears in (a duplicate inside one system at 5 %),
    drawn from ``home`` at AT_HOME while it lasts, from the others otherwise."""
    preferred = rng.sample(home, len(home))
    others = [s for s in rng.sample(SYSTEMS[entity], len(SYSTEMS[entity])) if s not in home]
    systems = []
    for _ in range(rng.choice(COPIES)):
        pool = preferred if preferred and (rng.random() < AT_HOME or not others) else others
        systems.append(pool.pop())
    if rng.random() < 0.05:
        systems.append(systems[0])
    return systems


def _account_rows(
    firms: list[Company], n_records: int, rng: random.Random
) -> tuple[list[dict[str, object]], dict[RecordKey, str], int]:
    """Records of ``firms`` in order until there are ``n_records``, their truth, and how many
    firms that took. A firm is never used twice: an identical second company would be a
    different entity in the truth that no linker could tell apart."""
    rows: list[dict[str, object]] = []
    truth: dict[RecordKey, str] = {}
    used = 0
    for company in firms:
        if len(rows) >= n_records:
            break
        used += 1
        for system in _placements(rng, "account"):
            record = RecordKey(system, f"{system[:2]}{len(rows):07d}")
            truth[record] = company.key
            rows.append(
                {"connector": system, "record_id": record.record_id, "source_system": system,
                 "updated_at": fv.moment(rng), **account_view(rng, company)}
            )  # fmt: skip
    return rows[:n_records], truth, used


def _contact_rows(
    firms: list[Company], n_records: int, rng: random.Random, accounts: dict[tuple, str]
) -> tuple[list[dict[str, object]], dict[RecordKey, str]]:
    """People at ``firms``; a record's ``account_id`` is its company's account record in the
    same system (``accounts``: (company key, system) -> record id), when there is one."""
    rows: list[dict[str, object]] = []
    truth: dict[RecordKey, str] = {}
    company_systems: dict[str, list[str]] = {}
    for company_key, system in accounts:
        company_systems.setdefault(company_key, []).append(system)
    index = 0
    while len(rows) < n_records:
        company = rng.choice(firms)
        person = Person(rng.choice(FIRST), rng.choice(LAST), digits(rng), rng.choice(PERSONAL))
        former = rng.choice(firms) if rng.random() < JOB_CHANGERS else None
        home = (*company_systems.get(company.key, ()), "mailchimp")
        for system in _placements(rng, "contact", home):
            record = RecordKey(system, f"{system[:2]}{len(rows):07d}")
            truth[record] = f"person:{index}"
            employer = former if former and rng.random() < AT_FORMER_JOB else company
            rows.append(
                {"connector": system, "record_id": record.record_id, "source_system": system,
                 "account_id": accounts.get((employer.key, system)),
                 "updated_at": fv.moment(rng), **contact_view(rng, person, employer, system)}
            )  # fmt: skip
        index += 1
    return rows[:n_records], truth


def _frame(rows: list[dict[str, object]], truth: dict[RecordKey, str]):
    keys = [RecordKey(str(r["connector"]), str(r["record_id"])) for r in rows]
    return pd.DataFrame(rows), {key: truth[key] for key in keys}


def _firms(n_records: int, rng: random.Random) -> list[Company]:
    """Enough companies for ``n_records`` account records, with a margin."""
    per_entity = sum(COPIES) / len(COPIES) + 0.05
    return companies(int(1.1 * n_records / per_entity) + 10, rng)


def bench_records(
    entity: str, n_records: int, seed: int
) -> tuple[pd.DataFrame, dict[RecordKey, str]]:
    """About ``n_records`` source records of ``entity`` ("account" or "contact") in the
    linker's input shape, and the truth: record -> true entity key."""
    if entity not in SYSTEMS:
        raise ValueError(f"no world records for entity {entity!r}")
    rng = random.Random(seed)
    firms = _firms(n_records, rng)
    if entity == "account":
        rows, truth, _ = _account_rows(firms, n_records, rng)
        return _frame(rows, truth)
    return _frame(*_contact_rows(firms, n_records, rng, {}))


def bench_world(n_records: int, seed: int) -> dict[str, tuple[pd.DataFrame, dict[RecordKey, str]]]:
    """Accounts and contacts of one world (half the records each), each contact record
    pointing at its company's account record in the same system where that system has one,
    as a CRM contact points at its account. The truth of each, as bench_records."""
    rng = random.Random(seed)
    half = n_records // 2
    firms = _firms(half, rng)
    account_rows, account_truth, used = _account_rows(firms, half, rng)
    accounts: dict[tuple, str] = {}
    for row in account_rows:
        company_key = account_truth[RecordKey(str(row["connector"]), str(row["record_id"]))]
        accounts.setdefault((company_key, row["connector"]), str(row["record_id"]))
    return {
        "account": _frame(account_rows, account_truth),
        "contact": _frame(*_contact_rows(firms[:used], half, rng, accounts)),
    }


def digits(rng: random.Random) -> str:
    return f"{rng.randint(200, 989)}{rng.randint(1000000, 9999999)}"
