"""A logging filter that keeps client data out of every log record.

Django attaches the request to some records (4xx/5xx warnings); its ``META`` holds the client's
address and user agent. The filter drops the request object and masks anything that looks like an
IPv4 or IPv6 address in the message, so no handler can write one.
"""

from __future__ import annotations

import logging
import re

_ADDRESS = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}\b")


class StripClientData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        if isinstance(record.msg, str):
            record.msg = _ADDRESS.sub("[address]", record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                _ADDRESS.sub("[address]", a) if isinstance(a, str) else a for a in args
            )
        return True
