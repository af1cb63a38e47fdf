"""Criteria as data: the rules model, its YAML loader, the shipped presets and the evaluation."""
