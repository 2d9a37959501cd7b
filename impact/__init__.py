"""Impact evaluation: each household's t0 baseline and follow-ups, indicators by cohort."""
