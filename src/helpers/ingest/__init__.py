"""Raw files -> canonical tables in ``data/processed``: one shared io path, a reader per format."""
