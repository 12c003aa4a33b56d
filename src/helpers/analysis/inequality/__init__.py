"""Inequality questions: the deprivation gap per place, and where to act."""
