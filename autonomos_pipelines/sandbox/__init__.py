"""Local sandbox APIs that reproduce real SaaS response shapes, auth and pagination."""
