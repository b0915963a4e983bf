"""The API's JSON parser (DRF `DEFAULT_PARSER_CLASSES`).

Its own module, importing no DRF view: `rest_framework.views` reads DEFAULT_PARSER_CLASSES while it
is being imported, so a parser in `core.api` (which imports the views) would be a circular import.
"""

import orjson
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """orjson (several times faster than the json module on 10,000-item bodies); the body the
    middleware already parsed is not parsed twice."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = getattr((parser_context or {}).get("request"), "_request", None)
        cached = getattr(request, "_api_json", None)
        if cached is not None:
            return cached
        try:
            return orjson.loads(stream.read() if stream is not None else b"")
        except orjson.JSONDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}")
