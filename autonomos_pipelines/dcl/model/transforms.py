"""Value transforms a mapping may apply before the cast to the canonical type.

The DCL decides which transform a mapping uses; the SQL dialects (AAM side) implement them.
"""

TRANSFORMS = {
    "none": "the value as it is",
    "unix_seconds": "seconds since 1970-01-01 UTC -> timestamp (Stripe's created, due_date ...)",
    "minor_units": (
        "integer minor currency units -> decimal major units by the row's currency "
        "(ISO 4217: USD / 100, JPY / 1, KWD / 1000; no currency: / 100)"
    ),
    "minor_units_stripe": (
        "Stripe's minor units: ISO 4217 except ISK (two-decimal in Stripe's API) and MGA "
        "(zero-decimal)"
    ),
    "upper": "upper-case text (ISO currency codes)",
    "percent_from_fraction": "a 0..1 fraction -> percent (x 100)",
    "yyyymmdd": "compact date text 20240131 -> date (GA4's date dimension)",
}
