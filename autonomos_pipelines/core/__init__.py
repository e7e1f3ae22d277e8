"""The platform under AAM and the DCL: settings (the one reader of the environment), errors,
names and tenant ids, registry database sessions and migrations, cache, audit log, usage,
quotas, and the secrets vault. It imports nothing else of the project."""
