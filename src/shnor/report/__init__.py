"""The report model (what result.json holds) and the pipeline that builds it from inputs and rules."""
