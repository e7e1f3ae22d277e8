"""Stripe-shaped objects (API version 2024-06-20 field names), deterministic per seed."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from autonomos_pipelines.sandbox.data import fake_values as fv
from autonomos_pipelines.sandbox.data import shared_world as sw

PLANS = [
    ("price_starter", "Starter", 2900, "month"),
    ("price_growth", "Growth", 9900, "month"),
    ("price_scale", "Scale", 99000, "year"),
]


def customers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        company = sw.org(rng, index + 20)
        name = company["name"]
        city, state, postal, country = (company[k] for k in ("city", "state", "postal", "country"))
        person = sw.contact_at(rng, company["domain"])
        rows.append(
            {
                "id": fv.token(rng, "cus_"),
                "object": "customer",
                "address": {
                    "city": city,
                    "country": country,
                    "line1": company["street"],
                    "line2": None,
                    "postal_code": postal,
                    "state": state or None,
                },
                "balance": 0,
                "created": fv.epoch(fv.moment(rng)),
                "currency": rng.choice(fv.CURRENCIES),
                "default_source": None,
                "delinquent": rng.random() < 0.1,
                "description": f"{name} billing account",
                "email": person["email"],
                "invoice_prefix": fv.token(rng, "", 8).upper(),
                "livemode": False,
                "metadata": {},
                "name": name,
                "phone": company["phone"],
                "preferred_locales": ["en"],
                "tax_exempt": "none",
            }
        )
    return rows


def subscriptions(rng: random.Random, custs: list[dict[str, Any]], count: int) -> list[dict]:
    rows = []
    for _ in range(count):
        cust = rng.choice(custs)
        price_id, nickname, amount, interval = rng.choice(PLANS)
        start = fv.moment(rng, 500)
        period_days = 30 if interval == "month" else 365
        status = rng.choice(["active", "active", "active", "trialing", "past_due", "canceled"])
        quantity = rng.randint(1, 25)
        canceled = fv.epoch(start + timedelta(days=90)) if status == "canceled" else None
        sub_id = fv.token(rng, "sub_")
        plan = {
            "id": price_id,
            "object": "plan",
            "amount": amount,
            "currency": cust["currency"],
            "interval": interval,
            "interval_count": 1,
            "nickname": nickname,
            "product": f"prod_{nickname.lower()}",
        }
        rows.append(
            {
                "id": sub_id,
                "object": "subscription",
                "billing_cycle_anchor": fv.epoch(start),
                "cancel_at": None,
                "cancel_at_period_end": False,
                "canceled_at": canceled,
                "collection_method": "charge_automatically",
                "created": fv.epoch(start),
                "currency": cust["currency"],
                "current_period_end": fv.epoch(start + timedelta(days=period_days)),
                "current_period_start": fv.epoch(start),
                "customer": cust["id"],
                "days_until_due": None,
                "ended_at": canceled,
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": fv.token(rng, "si_"),
                            "object": "subscription_item",
                            "quantity": quantity,
                            "price": {
                                "id": price_id,
                                "object": "price",
                                "unit_amount": amount,
                                "currency": cust["currency"],
                                "nickname": nickname,
                                "recurring": {"interval": interval, "interval_count": 1},
                            },
                            "subscription": sub_id,
                        }
                    ],
                    "has_more": False,
                },
                "livemode": False,
                "metadata": {},
                "plan": plan,
                "quantity": quantity,
                "start_date": fv.epoch(start),
                "status": status,
                "trial_end": fv.epoch(start + timedelta(days=14)) if status == "trialing" else None,
                "trial_start": fv.epoch(start) if status == "trialing" else None,
            }
        )
    return rows


def invoices(rng: random.Random, subs: list[dict[str, Any]], custs: list[dict], count: int) -> list:
    by_id = {cust["id"]: cust for cust in custs}
    rows = []
    for index in range(count):
        sub = rng.choice(subs)
        cust = by_id[sub["customer"]]
        subtotal = sub["plan"]["amount"] * sub["quantity"]
        tax = round(subtotal * rng.choice([0, 0.07, 0.2]))
        total = subtotal + tax
        status = rng.choice(["paid", "paid", "paid", "open", "void", "uncollectible", "draft"])
        created = fv.moment(rng)
        paid = status == "paid"
        finalized = None if status == "draft" else fv.epoch(created + timedelta(hours=1))
        rows.append(
            {
                "id": fv.token(rng, "in_"),
                "object": "invoice",
                "account_country": "US",
                "account_name": "Autonomos Sandbox",
                "amount_due": total,
                "amount_paid": total if paid else 0,
                "amount_remaining": 0 if paid else total,
                "attempt_count": 1 if paid else 0,
                "attempted": paid,
                "billing_reason": "subscription_cycle",
                "collection_method": "charge_automatically",
                "created": fv.epoch(created),
                "currency": sub["currency"],
                "customer": cust["id"],
                "customer_email": cust["email"],
                "customer_name": cust["name"],
                "description": None,
                "due_date": fv.epoch(created + timedelta(days=30)),
                "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_sandbox/test_{index}",
                "livemode": False,
                "metadata": {},
                "number": f"{cust['invoice_prefix']}-{index + 1:04d}",
                "paid": paid,
                "period_end": sub["current_period_end"],
                "period_start": sub["current_period_start"],
                "status": status,
                "status_transitions": {
                    "finalized_at": finalized,
                    "marked_uncollectible_at": None,
                    "paid_at": fv.epoch(created + timedelta(days=2)) if paid else None,
                    "voided_at": None,
                },
                "subscription": sub["id"],
                "subtotal": subtotal,
                "tax": tax,
                "total": total,
            }
        )
    return rows


def charges(rng: random.Random, invs: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    rows = []
    payable = [inv for inv in invs if inv["status"] in ("paid", "open", "uncollectible")]
    for _ in range(count):
        inv = rng.choice(payable)
        failed = inv["status"] != "paid" and rng.random() < 0.6
        refunded = 0 if failed or rng.random() > 0.1 else inv["total"] // 2
        created = fv.moment(rng)
        method = rng.choice(["card", "card", "card", "us_bank_account", "sepa_debit"])
        rows.append(
            {
                "id": fv.token(rng, "ch_"),
                "object": "charge",
                "amount": inv["total"],
                "amount_captured": 0 if failed else inv["total"],
                "amount_refunded": refunded,
                "balance_transaction": None if failed else fv.token(rng, "txn_"),
                "billing_details": {
                    "email": inv["customer_email"],
                    "name": inv["customer_name"],
                    "phone": None,
                },
                "captured": not failed,
                "created": fv.epoch(created),
                "currency": inv["currency"],
                "customer": inv["customer"],
                "description": f"Payment for invoice {inv['number']}",
                "failure_code": "card_declined" if failed else None,
                "failure_message": "Your card was declined." if failed else None,
                "invoice": inv["id"],
                "livemode": False,
                "metadata": {},
                "paid": not failed,
                "payment_intent": fv.token(rng, "pi_"),
                "payment_method": fv.token(rng, "pm_"),
                "payment_method_details": {"type": method},
                "receipt_email": inv["customer_email"],
                "refunded": refunded == inv["total"] and refunded > 0,
                "status": "failed" if failed else "succeeded",
            }
        )
    return rows


def dataset(seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    custs = customers(rng, 120)
    subs = subscriptions(rng, custs, 110)
    invs = invoices(rng, subs, custs, 260)
    chs = charges(rng, invs, 240)
    newest_first = {
        name: sorted(rows, key=lambda row: (-row["created"], row["id"]))
        for name, rows in (
            ("customers", custs),
            ("subscriptions", subs),
            ("invoices", invs),
            ("charges", chs),
        )
    }
    return newest_first
