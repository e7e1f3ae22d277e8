"""Operations the CLI (and any other front end) calls: onboard a tenant, run its partition,
open the project's Dagster instance."""
