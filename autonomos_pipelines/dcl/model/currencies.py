"""Minor units per currency: how many decimal places an amount in minor units hides.

ISO 4217 gives each currency an exponent (USD 2: cents; JPY 0; KWD 3). Sources that send
integer amounts follow it, except where their documentation says otherwise: Stripe keeps ISK
two-decimal in its API (an amount of 100 is 1 krona) and sends MGA zero-decimal. A row whose
currency is missing or unknown is taken as two-decimal, the common case.
"""

from __future__ import annotations

from autonomos_pipelines.core.naming import quote_literal

DEFAULT_EXPONENT = 2

# ISO 4217 (list one, current currencies) exponents other than 2.
ISO_4217_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
         "UYI", "VND", "VUV", "XAF", "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip

# Source conventions that depart from ISO 4217, by the transform that names them.
CONVENTIONS: dict[str, dict[str, int]] = {
    "minor_units": ISO_4217_EXPONENTS,
    # docs.stripe.com/currencies: zero-decimal list and "special cases"
    "minor_units_stripe": {**ISO_4217_EXPONENTS, "ISK": 2, "MGA": 0},
}


def divisors(convention: str) -> dict[int, tuple[str, ...]]:
    """Divisor -> currency codes for every currency whose divisor is not 100."""
    grouped: dict[int, list[str]] = {}
    for code, places in sorted(CONVENTIONS[convention].items()):
        if places != DEFAULT_EXPONENT:
            grouped.setdefault(10**places, []).append(code)
    return {divisor: tuple(codes) for divisor, codes in grouped.items()}


def minor_unit_divisor(code_text: str | None, convention: str) -> str:
    """A SQL CASE giving 10^exponent for the currency code in ``code_text`` (a text
    expression); 100 when there is none or the code is unknown. Standard SQL: the same text
    for DuckDB and PostgreSQL (the canonical transforms and the expression language use it)."""
    if code_text is None:
        return "100"
    code = f"upper(trim({code_text}))"
    branches = " ".join(
        f"WHEN {code} IN ({', '.join(quote_literal(c) for c in codes)}) THEN {divisor}"
        for divisor, codes in divisors(convention).items()
    )
    return f"CASE {branches} ELSE 100 END"
