"""The server's access log without query strings: a query can carry a debtor's id or a
search term, and access logs are kept and shipped far longer than the jobs themselves."""

from __future__ import annotations

import copy
import logging


class DropQueryStrings(logging.Filter):
    """Cut the query string off the path of uvicorn's access records, whose arguments are
    (client, method, path, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def uvicorn_log_config() -> dict:
    """uvicorn's own logging configuration, with the access log's query strings dropped (in
    every server process, as the configuration travels with each)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["drop_query"] = {"()": f"{__name__}.DropQueryStrings"}
    config["loggers"]["uvicorn.access"]["filters"] = ["drop_query"]
    return config
