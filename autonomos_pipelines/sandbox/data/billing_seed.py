"""An in-house billing database (the kind teams keep in Postgres/Supabase), generated in SQL
so the seed is deterministic and needs no data files."""

SEED_SQL = """
CREATE SCHEMA billing;
CREATE TABLE billing.customers (
  id bigint PRIMARY KEY, company_name text NOT NULL, domain text, country_code char(2),
  vat_number text, segment text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL
);
CREATE TABLE billing.invoices (
  id bigint PRIMARY KEY, invoice_no text UNIQUE NOT NULL,
  customer_id bigint REFERENCES billing.customers(id), state text NOT NULL,
  currency_code char(3) NOT NULL, net_amount numeric(12,2), vat_amount numeric(12,2),
  gross_amount numeric(12,2), balance_due numeric(12,2), issued_on date, due_on date,
  paid_on timestamptz, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL
);
CREATE TABLE billing.payments (
  id bigint PRIMARY KEY, invoice_id bigint REFERENCES billing.invoices(id),
  customer_id bigint REFERENCES billing.customers(id), amount numeric(12,2) NOT NULL,
  currency_code char(3) NOT NULL, method text, outcome text, received_at timestamptz,
  updated_at timestamptz NOT NULL
);
INSERT INTO billing.customers
SELECT g, (ARRAY['Northwind','Contoso','Fabrikam','Tailspin','Wingtip','Adatum'])[1 + g % 6]
          || ' ' || (ARRAY['Traders','Holdings','Labs','Logistics'])[1 + g % 4] || ' ' || g,
       'customer' || g || '.example.com', (ARRAY['US','DE','GB','FR','NL'])[1 + g % 5],
       'VAT' || lpad(g::text, 8, '0'), (ARRAY['smb','mid-market','enterprise'])[1 + g % 3],
       timestamptz '2024-01-01' + g * interval '1 day',
       timestamptz '2024-01-01' + g * interval '1 day' + interval '3 hours'
FROM generate_series(1, 80) g;
INSERT INTO billing.invoices
SELECT g, 'INV-' || lpad(g::text, 6, '0'), 1 + g % 80,
       (ARRAY['draft','open','paid','paid','void'])[1 + g % 5],
       (ARRAY['USD','EUR','GBP'])[1 + g % 3], round((100 + g * 7.5)::numeric, 2),
       round(((100 + g * 7.5) * 0.2)::numeric, 2), round(((100 + g * 7.5) * 1.2)::numeric, 2),
       CASE WHEN g % 5 IN (2, 3) THEN 0 ELSE round(((100 + g * 7.5) * 1.2)::numeric, 2) END,
       date '2024-02-01' + g, date '2024-03-02' + g,
       CASE WHEN g % 5 IN (2, 3) THEN timestamptz '2024-02-10' + g * interval '1 day' END,
       timestamptz '2024-02-01' + g * interval '1 day',
       timestamptz '2024-02-01' + g * interval '1 day' + interval '1 hour'
FROM generate_series(1, 240) g;
INSERT INTO billing.payments
SELECT i.id, i.id, i.customer_id, i.gross_amount, i.currency_code,
       (ARRAY['card','sepa_debit','wire'])[1 + i.id % 3], 'succeeded', i.paid_on, i.paid_on
FROM billing.invoices i WHERE i.paid_on IS NOT NULL;
"""
