"""Running the pipeline: notebook parameters, the papermill pipeline and the ``alliances`` CLI."""
