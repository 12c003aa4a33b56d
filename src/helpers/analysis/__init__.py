"""The questions the reports answer, as DataFrames in and DataFrames out (no HTML)."""
