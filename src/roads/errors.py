"""What the road network raises: an input it cannot use, with the part at fault."""

from common.errors import InvalidInput


class RoadsError(InvalidInput):
    """An extract, a network file or a location the road network cannot use."""
