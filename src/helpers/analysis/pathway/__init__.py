"""The patient pathway beyond stage and waits: survival after diagnosis."""
