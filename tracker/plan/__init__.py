"""The plan: objectives.yaml as validated data, and its sync into the database."""
