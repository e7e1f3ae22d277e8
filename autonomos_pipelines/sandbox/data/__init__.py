"""The sandbox's deterministic fake data: names, companies and values in each API's own
shapes, and the seed of the SQL sandbox."""
