"""The field-mappings asset (DCL): every raw field of a tenant resolved, drift repaired."""
