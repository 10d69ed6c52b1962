from surveykit.cli.app import run

run()
