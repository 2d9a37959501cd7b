"""Configuration classes: default, testing, production."""
