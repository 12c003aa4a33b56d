"""Presentation only: section context, sections, sentences, tables, charts, disclosure, export."""
