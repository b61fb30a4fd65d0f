"""Keep client data out of every log record.

Django attaches the request to some records (4xx/5xx warnings); its ``META`` would hold the
client's address and user agent, which ``config.middleware`` blanks before anything runs. As a
second guard, every record is scrubbed when it is created: anything that parses as an IPv4 or
IPv6 address in the message or its arguments is masked, so no library or third-party logger
can write one.
"""

from __future__ import annotations

import ipaddress
import logging
import logging.config
import re

# Candidate tokens; each is confirmed by the ipaddress module so times and versions survive.
_CANDIDATE = re.compile(r"[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*")
MASK = "[address]"


def _mask(match: re.Match[str]) -> str:
    token = match.group(0)
    stripped = token.strip(".:")
    try:
        ipaddress.ip_address(stripped)
    except ValueError:
        return token
    return token.replace(stripped, MASK)


def scrub(value: object) -> object:
    return _CANDIDATE.sub(_mask, value) if isinstance(value, str) else value


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    record.msg = scrub(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(scrub(arg) for arg in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: scrub(arg) for key, arg in record.args.items()}
    return record


def configure(config: dict) -> None:
    """``LOGGING_CONFIG`` entry point: install the scrubbing record factory, then dictConfig."""
    base_factory = logging.getLogRecordFactory()
    if not getattr(base_factory, "mashwara_scrubs", False):

        def factory(*args, **kwargs) -> logging.LogRecord:
            return scrub_record(base_factory(*args, **kwargs))

        factory.mashwara_scrubs = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(factory)
    logging.config.dictConfig(config)
