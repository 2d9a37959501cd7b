"""URL values of the impact pages for the browser tests (tests/ui/discovery.py)."""

RESOLVERS = {
    # The baseline's questions (any household the role may see has a t0 page).
    "impact.stage": lambda ctx: "t0",
}
