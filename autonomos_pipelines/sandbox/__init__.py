"""The sandbox, for the demo and the tests only: fake SaaS APIs (``apis``: each API's paths,
auth, envelopes, paging and error shapes, the controls, the fixture API for scaffolded specs)
on deterministic data (``data``), an in-memory MongoDB, seeded databases, CSV exports, the
server, and the plug and dev code location that hand all of it to the connector runtime.
Nothing of the runtime imports it; the CLI and ``sandbox.definitions`` plug it in."""
