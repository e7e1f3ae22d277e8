"""The automation sensors' clock: tests replace `utc_now` to evaluate them at chosen times."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
