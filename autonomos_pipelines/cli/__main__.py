from autonomos_pipelines.cli.main import app

app(prog_name="autonomos")
