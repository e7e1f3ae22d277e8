"""Raw assets (AAM): one dlt multi-asset per connector spec, rebuilt per tenant at run time,
and the schema observer sensor."""
