"""The sandbox APIs' one shared world: the same companies and people appear in the CRMs,
billing, support and marketing, each system spelling them its own way (legal forms, casing,
typos, phone formats, a personal mailbox instead of the work one, a moved office), as the
world of bench/unify.py does at scale. Which records are the same is never in the data."""

from __future__ import annotations

import random
from functools import cache

from autonomos_pipelines.sandbox.data import world

SEED = 2026
COMPANIES = 160
PEOPLE_PER_COMPANY = 5


@cache
def _companies() -> tuple[world.Company, ...]:
    return tuple(world.companies(COMPANIES, random.Random(SEED)))


@cache
def _by_domain() -> dict[str, int]:
    return {company.domain: index for index, company in enumerate(_companies())}


@cache
def _people(index: int) -> tuple[world.Person, ...]:
    rng = random.Random(SEED * 1000 + index)
    return tuple(
        world.Person(
            rng.choice(world.FIRST), rng.choice(world.LAST), world.digits(rng),
            rng.choice(world.PERSONAL),
        )
        for _ in range(PEOPLE_PER_COMPANY)
    )  # fmt: skip


def org(rng: random.Random, index: int) -> dict[str, str]:
    """Company ``index`` of the world (wrapping around) as one system records it: the keys of
    fake_values.org plus a phone. The domain is the company's own, so e-mails and websites
    built from it agree; the name, phone and address carry the system's noise."""
    company = _companies()[index % COMPANIES]
    view = world.account_view(rng, company)
    city, state, postal, country = company.city
    return {
        "name": str(view["name"]),
        "domain": company.domain,
        "city": str(view["billing_city"] or city),
        "state": state,
        "postal": postal,
        "country": country,
        "street": company.street,
        "industry": company.industry,
        "phone": world.phone_format(rng, company.phone),
    }


def contact_at(rng: random.Random, domain: str | None) -> dict[str, str]:
    """A person working at the world company with ``domain`` (any company: None) as one
    system records them: first and last name, an e-mail (work, sometimes personal) and a
    phone."""
    index = _by_domain().get(domain or "")
    if index is None:
        index = rng.randrange(COMPANIES)
    return _contact(rng, index, rng.choice(_people(index)))


def nth_contact(rng: random.Random, number: int) -> dict[str, str]:
    """Person ``number`` of the world (all distinct below COMPANIES * PEOPLE_PER_COMPANY), as
    contact_at describes them: for a list whose e-mails must not repeat."""
    index, slot = number % COMPANIES, (number // COMPANIES) % PEOPLE_PER_COMPANY
    return _contact(rng, index, _people(index)[slot])


def _contact(rng: random.Random, index: int, person: world.Person) -> dict[str, str]:
    company = _companies()[index]
    view = world.contact_view(rng, person, company)
    work = f"{person.first}.{person.last}@{company.domain}".lower().replace(" ", "")
    return {
        "first": str(view["first_name"]),
        "last": str(view["last_name"]),
        "email": str(view["email"] or work),
        "phone": world.phone_format(rng, person.phone),
    }
