# ruff: noqa: E501 (the sources are data: one table a line)
"""Lookup tables beside a source's main tables: how many of their fields are auto-approved.

Six CRM, help-desk and billing sources we ship no connector for, written from their public API
references with their real table and field names: each has main tables (contacts, deals,
tickets, invoices ...) and lookup tables that are no canonical entity (deal stages, lead
sources, departments, plans, tags ...), whose fields have no canonical counterpart at all.
A lookup table's field auto-approved is a wrong auto-approval; a main table's is counted to
show what a guard against the first costs (dcl/matching/unfounded_tables.py). No LLM.
Run: ``python bench/lookup_tables.py`` (figures go to bench/results.md by hand)."""

from __future__ import annotations

from collections import Counter

from autonomos_pipelines.dcl.matching.embeddings import default_embedder
from autonomos_pipelines.dcl.matching.matcher import Matcher
from autonomos_pipelines.dcl.matching.resolver import Resolver
from autonomos_pipelines.dcl.matching.source_field import SourceField
from autonomos_pipelines.dcl.matching.targets import canonical_targets

# system: {table: "field[:type] ..."}; a table named in LOOKUP is no canonical entity
SOURCES = {
    "freshsales": {
        "contacts": "id:integer first_name last_name email mobile_number work_number job_title owner_id:integer sales_account_id:integer lead_source_id:integer lifecycle_stage_id:integer created_at:timestamp updated_at:timestamp",
        "sales_accounts": "id:integer name website phone industry_type_id:integer number_of_employees:integer annual_revenue:number city state country owner_id:integer created_at:timestamp",
        "deals": "id:integer name amount:number deal_stage_id:integer deal_pipeline_id:integer sales_account_id:integer owner_id:integer expected_close:date closed_date:date probability:integer currency_id:integer created_at:timestamp",
        "deal_stages": "id:integer name position:integer forecast_type probability:integer",
        "lead_sources": "id:integer name position:integer",
        "industry_types": "id:integer name position:integer",
        "owners": "id:integer display_name email is_active:boolean",
    },
    "zoho_desk": {
        "tickets": "id ticketNumber subject status priority channel departmentId contactId assigneeId accountId createdTime:timestamp closedTime:timestamp dueDate:timestamp category",
        "departments": "id name description isEnabled:boolean",
        "contacts": "id firstName lastName email phone accountId createdTime:timestamp",
        "accounts": "id accountName website phone industry createdTime:timestamp",
        "agents": "id firstName lastName emailId roleId status",
        "roles": "id name description",
    },
    "braintree": {
        "customers": "id firstName lastName company email phone createdAt:timestamp updatedAt:timestamp",
        "subscriptions": "id planId status price:number billingPeriodStartDate:date billingPeriodEndDate:date nextBillingDate:date merchantAccountId createdAt:timestamp",
        "plans": "id name price:number billingFrequency:integer currencyIsoCode",
        "transactions": "id amount:number status type currencyIsoCode customerId subscriptionId merchantAccountId createdAt:timestamp",
        "merchant_accounts": "id status currencyIsoCode default:boolean",
    },
    "front": {
        "conversations": "id subject status assignee__id inbox_id created_at:timestamp is_private:boolean",
        "inboxes": "id name is_private:boolean",
        "teammates": "id email username first_name last_name is_admin:boolean is_available:boolean",
        "tags": "id name highlight created_at:timestamp",
    },
    "zuora": {
        "accounts": "Id AccountNumber Name Currency Status Balance:number BillCycleDay:integer CreatedDate:timestamp UpdatedDate:timestamp",
        "subscriptions": "Id Name AccountId Status TermType SubscriptionStartDate:date SubscriptionEndDate:date ContractEffectiveDate:date AutoRenew:boolean CreatedDate:timestamp",
        "invoices": "Id InvoiceNumber AccountId Amount:number Balance:number Status InvoiceDate:date DueDate:date CreatedDate:timestamp",
        "products": "Id Name SKU Description Category EffectiveStartDate:date",
        "product_rate_plans": "Id Name ProductId Description EffectiveStartDate:date",
    },
    "insightly": {
        "contacts": "CONTACT_ID:integer FIRST_NAME LAST_NAME EMAIL_ADDRESS PHONE TITLE ORGANISATION_ID:integer OWNER_USER_ID:integer DATE_CREATED_UTC:timestamp",
        "organisations": "ORGANISATION_ID:integer ORGANISATION_NAME PHONE WEBSITE ADDRESS_BILLING_CITY ADDRESS_BILLING_COUNTRY OWNER_USER_ID:integer DATE_CREATED_UTC:timestamp",
        "opportunities": "OPPORTUNITY_ID:integer OPPORTUNITY_NAME BID_AMOUNT:number BID_CURRENCY PROBABILITY:integer FORECAST_CLOSE_DATE:date OPPORTUNITY_STATE PIPELINE_ID:integer STAGE_ID:integer ORGANISATION_ID:integer OWNER_USER_ID:integer DATE_CREATED_UTC:timestamp",
        "pipelines": "PIPELINE_ID:integer PIPELINE_NAME FOR_OPPORTUNITIES:boolean",
        "pipeline_stages": "STAGE_ID:integer PIPELINE_ID:integer STAGE_NAME STAGE_ORDER:integer",
    },
}  # fmt: skip
LOOKUP = {
    "deal_stages", "lead_sources", "industry_types", "departments", "roles", "plans",
    "merchant_accounts", "inboxes", "tags", "products", "product_rate_plans", "pipelines",
    "pipeline_stages",
}  # fmt: skip


def fields_of(system: str, tables: dict[str, str]) -> list[SourceField]:
    return [
        SourceField(system, table, name, kind or "string")
        for table, spec in tables.items()
        for name, _, kind in (item.partition(":") for item in spec.split())
    ]


def main() -> None:
    resolver = Resolver(Matcher(canonical_targets(), default_embedder()))
    totals: Counter[str] = Counter()
    print("| system | lookup fields | auto-approved | main fields | auto-approved |")
    print("|---|---|---|---|---|")
    for system, tables in SOURCES.items():
        counts: Counter[str] = Counter()
        for found in resolver.resolve(fields_of(system, tables)):
            kind = "lookup" if found.field.source_entity in LOOKUP else "main"
            counts[kind] += 1
            counts[f"{kind} auto"] += found.status == "auto_approved"
        totals.update(counts)
        print(f"| {system} | {counts['lookup']} | {counts['lookup auto']} | {counts['main']} | "
              f"{counts['main auto']} |")  # fmt: skip
    print(f"| all | {totals['lookup']} | {totals['lookup auto']} | {totals['main']} | "
          f"{totals['main auto']} |")  # fmt: skip


if __name__ == "__main__":
    main()
