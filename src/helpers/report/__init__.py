"""Presentation only: the section context, sections, sentences, tables, charts, disclosure, export."""
