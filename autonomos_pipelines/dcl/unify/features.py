"""The comparison columns the linker reads, built from an entity's canonical rows.

Input: one row per source record with ``connector``, ``record_id``, ``source_system`` and any
of the entity's canonical fields (a missing column counts as empty). Output: ``unique_id``
(the record key's text) and normalised keys; an empty key is NULL so that Splink treats it as
missing evidence, never as agreement."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from autonomos_pipelines.dcl.unify import normalise as norm
from autonomos_pipelines.dcl.unify.model import RecordKey

ACCOUNT_KEYS = ("name", "name_key", "domain", "phone", "street", "city", "postcode", "country")
CONTACT_KEYS = (
    "first_name", "first_name_forms", "last_name", "email", "email_kind", "workplace_domain",
    "phone", "city", "company",
)  # fmt: skip


def _column(records: pd.DataFrame, *names: str) -> pd.Series:
    """The first non-empty value among ``names``, row by row."""
    values = pd.Series([None] * len(records), index=records.index, dtype=object)
    for name in names:
        if name in records.columns:
            values = values.where(values.notna() & (values != ""), records[name])
    return values


def _mapped(values: pd.Series, function: Callable[[object], object]) -> pd.Series:
    return values.map(lambda v: function(v) or None)


def _first_token(name: object) -> str:
    return str(name).split(" ", 1)[0] if name else ""


def account_features(records: pd.DataFrame, company_lines: frozenset[str]) -> pd.DataFrame:
    names = _mapped(_column(records, "name"), norm.company_name)
    return pd.DataFrame(
        {
            "name": names,
            "name_key": _mapped(names, _first_token),
            "domain": _mapped(_column(records, "domain", "website"), norm.company_domain),
            "phone": _mapped(_column(records, "phone"), norm.phone),
            "street": _mapped(_column(records, "billing_street"), norm.street),
            "city": _mapped(_column(records, "billing_city"), norm.fold),
            "postcode": _mapped(_column(records, "billing_postal_code"), _postcode),
            "country": _mapped(_column(records, "billing_country"), norm.fold),
        },
        index=records.index,
    )


def contact_features(records: pd.DataFrame, company_lines: frozenset[str]) -> pd.DataFrame:
    """``company_lines``: normalised phones of the tenant's accounts. A person's record that
    holds one holds the company's switchboard, which colleagues share: it says where the
    person works (the workplace does), not who they are."""
    full = _column(records, "full_name").map(lambda v: norm.fold(v).split())
    first = _column(records, "first_name").where(
        _column(records, "first_name").notna(), full.map(lambda w: w[0] if w else None)
    )
    last = _column(records, "last_name").where(
        _column(records, "last_name").notna(), full.map(lambda w: w[-1] if len(w) > 1 else None)
    )
    emails = _mapped(_column(records, "email"), norm.email)
    # a work address's domain, else the domain of the unified account the record belongs to
    # (given by the caller beside the account's id): one person at one firm shows either
    account_domains = _mapped(_column(records, "unified_account_domain"), norm.company_domain)
    work_domains = _mapped(emails, norm.company_domain)  # None for a personal mailbox
    kinds = emails.where(emails.isna(), work_domains.map(_kind))
    return pd.DataFrame(
        {
            "first_name": _mapped(first, norm.fold),
            # "Bob" and "Robert": the names a first name may stand for (a comparison level)
            "first_name_forms": _mapped(first, norm.given_name_forms),
            "last_name": _mapped(last, norm.fold),
            "email": emails,
            "email_kind": kinds,
            "workplace_domain": work_domains.where(work_domains.notna(), account_domains),
            "phone": _own_phone(records, company_lines),
            "city": _mapped(_column(records, "mailing_city"), norm.fold),
            # the unified account of the contact's account (given by the caller, who unified
            # the accounts first): the company a person works at, whatever system holds them
            "company": _column(records, "unified_account_id"),
        },
        index=records.index,
    )


def _own_phone(records: pd.DataFrame, company_lines: frozenset[str]) -> pd.Series:
    """The first of a person's phone columns that is not a company line."""
    own = pd.Series([None] * len(records), index=records.index, dtype=object)
    for name in ("phone", "mobile_phone"):
        phones = _mapped(_column(records, name), norm.phone)
        phones = phones.where(~phones.isin(company_lines), None)
        own = own.where(own.notna(), phones)
    return own


def company_lines(phones: pd.Series) -> frozenset[str]:
    """The normalised phone numbers among ``phones`` (an account table's)."""
    return frozenset(p for p in phones.map(norm.phone) if p)


def _kind(work_domain: object) -> str:
    return "personal" if work_domain is None or pd.isna(work_domain) else "work"


def _postcode(value: object) -> str:
    return norm.fold(value).replace(" ", "")


FEATURES = {"account": account_features, "contact": contact_features}


def prepare(
    entity: str, records: pd.DataFrame, company_lines: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """``unique_id``, ``source_system`` and the entity's normalised comparison keys;
    ``company_lines``: the normalised phones of the tenant's accounts (see contact_features)."""
    if entity not in FEATURES:
        raise ValueError(f"entity {entity!r} cannot be unified (only {sorted(FEATURES)})")
    missing = {"connector", "record_id", "source_system"} - set(records.columns)
    if missing:
        raise ValueError(f"records for {entity} lack the columns {sorted(missing)}")
    keys = [
        str(RecordKey(str(c), str(r)))
        for c, r in zip(records["connector"], records["record_id"], strict=True)
    ]
    features = FEATURES[entity](records.reset_index(drop=True), company_lines)
    features.insert(0, "source_system", records["source_system"].astype(str).to_numpy())
    features.insert(0, "unique_id", keys)
    return features.astype(object).where(features.notna(), None)
