"""Asset checks: great-expectations suites per canonical entity (GX called directly)."""
