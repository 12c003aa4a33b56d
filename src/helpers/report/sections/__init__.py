"""One module per part of a report: overview, inequality, adoption, data quality."""
