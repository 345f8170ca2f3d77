"""The nightly job (``fieldplan nightly``): its tasks, where they run, and what it records.

``job`` runs a night; ``split`` cuts it into tasks and joins their results; ``tasks`` are what
runs on a worker; ``cluster`` is where they run (this process or Dask); ``state`` is the
resumable record of an output folder."""
