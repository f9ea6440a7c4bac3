"""Which ClickHouse errors mean "the statement is broken" rather than "the store is unavailable".

Both backends see ClickHouse's own error code in the message (`Code: 62. DB::Exception: ...`).
A code in `_QUERY_CODES` says the query text, its parameters or the schema it names are wrong,
so the same statement fails again however often it is retried; every other failure (network,
memory limit, timeout, too many queries, a lock) may pass on a retry.
"""

from __future__ import annotations

import re

from store.errors import QueryError, SpyglassError, StoreUnavailable

_CODE = re.compile(r"Code: (\d+)")
_QUERY_CODES = frozenset({
    1,    # UNSUPPORTED_METHOD
    6,    # CANNOT_PARSE_TEXT
    10,   # NOT_FOUND_COLUMN_IN_BLOCK
    16,   # NO_SUCH_COLUMN_IN_TABLE
    20,   # NUMBER_OF_COLUMNS_DOESNT_MATCH
    26,   # CANNOT_PARSE_QUOTED_STRING
    27,   # CANNOT_PARSE_INPUT_ASSERTION_FAILED
    35,   # TOO_MANY_ARGUMENTS_FOR_FUNCTION
    36,   # BAD_ARGUMENTS
    38,   # CANNOT_PARSE_DATE
    41,   # CANNOT_PARSE_DATETIME
    42,   # NUMBER_OF_ARGUMENTS_DOESNT_MATCH
    43,   # ILLEGAL_TYPE_OF_ARGUMENT
    44,   # ILLEGAL_COLUMN
    46,   # UNKNOWN_FUNCTION
    47,   # UNKNOWN_IDENTIFIER
    48,   # NOT_IMPLEMENTED
    50,   # UNKNOWN_TYPE
    53,   # TYPE_MISMATCH
    60,   # UNKNOWN_TABLE
    62,   # SYNTAX_ERROR
    69,   # ARGUMENT_OUT_OF_BOUND
    70,   # CANNOT_CONVERT_TYPE
    72,   # CANNOT_PARSE_NUMBER
    81,   # UNKNOWN_DATABASE
    115,  # UNKNOWN_SETTING
    164,  # READONLY
    179,  # MULTIPLE_EXPRESSIONS_FOR_ALIAS
    184,  # ILLEGAL_AGGREGATION
    190,  # SIZES_OF_ARRAYS_DONT_MATCH
    215,  # NOT_AN_AGGREGATE
    352,  # AMBIGUOUS_COLUMN_NAME
    386,  # NO_COMMON_TYPE
    456,  # UNKNOWN_QUERY_PARAMETER
    457,  # BAD_QUERY_PARAMETER
})


def store_error(message: str) -> SpyglassError:
    """The error a backend raises for a failed statement with ClickHouse's `message`."""
    match = _CODE.search(message)
    if match and int(match.group(1)) in _QUERY_CODES:
        return QueryError(message)
    return StoreUnavailable(message)
