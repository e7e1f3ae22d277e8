"""The connector catalogue: one JSON spec per connector, the JSON Schema they validate against,
and the sandbox's fixtures for scaffolded specs. Data only: shipped inside the installed
package, read by ``autonomos_pipelines.aam.specs.spec_loader``."""
