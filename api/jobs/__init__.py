"""Jobs: day plans and allocations accepted over HTTP, run in solver processes, kept in the
database so that no work is lost when the server stops."""
