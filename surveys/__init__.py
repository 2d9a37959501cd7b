"""Needs surveys: questionnaires for residents and mediation professionals, counted answers."""
