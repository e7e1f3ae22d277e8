"""Every asset check: raw schema changes, lost source fields, great-expectations suites per
canonical entity, and the blocking review gate."""
