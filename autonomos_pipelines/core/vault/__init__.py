"""Tenant credentials encrypted at rest: the keyring (AES-256-GCM) and the Postgres store."""
