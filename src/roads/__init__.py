"""Road networks from OpenStreetMap: build one from a standard ``.osm.pbf`` extract
(:func:`roads.osm.read`), keep it in a file (:mod:`roads.network`), snap locations to it and
time every pair of them on it (:mod:`roads.paths`).

Plain arrays in and out: metres and seconds, no HTTP, no database."""

from roads.errors import RoadsError

__all__ = ["RoadsError"]
