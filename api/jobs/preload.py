"""Imported once, by the fork server the solver processes are forked from: the engines load
there and the compiled search warms up, so that every solver process starts ready instead of
loading them inside its job's time."""

import allocation
import routing
from routing import model  # noqa: F401  (OR-Tools' routing library, which warm_up leaves out)

routing.warm_up()
allocation.warm_up()
