"""Lent household equipment (box, computer, tablet, phone) and its 4R life."""
