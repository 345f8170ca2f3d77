"""What both engines share: the geometry of the earth and the budget of a search."""
