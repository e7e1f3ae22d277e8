"""A tenant's connection to a connector at run time: endpoint, secrets, files; the sandbox
plugs in here through a protocol, never by import."""
