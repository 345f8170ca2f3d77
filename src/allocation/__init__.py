"""Case allocation engine: which collector owns which case (not yet implemented)."""

__all__: list[str] = []
