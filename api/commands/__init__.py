"""The commands of ``fieldplan``, one module per family."""
