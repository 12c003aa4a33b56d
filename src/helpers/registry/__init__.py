"""What exists, declared once: alliances, indicators, innovations and the table schemas."""
