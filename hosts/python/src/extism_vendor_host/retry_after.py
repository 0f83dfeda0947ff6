"""`Retry-After` read as a wait under host profile 1.0 (section 3): the rule every host follows.

Whole seconds as they are, up to 2**53 - 1 (the largest integer every JSON reader holds
exactly; past it, that); or a date in one of RFC 9110's three forms, IMF-fixdate
(`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
and asctime (`Sun Nov  6 08:49:37 1994`) forms, as the seconds until it (0 if past). A date is
read as the Rust harness's `httpdate` reads it: the exact form, the weekday the date's, years
1970 to 9999, seconds 0 to 59, an RFC 850 year below 70 in the 2000s. Anything else is no wait.

Written here rather than taken from the standard library: `email.utils.parsedate_to_datetime`
reads `26 Oct 2026 00:01:30 GMT`, `+0000`, lowercase names and a wrong weekday as dates, all of
which the shared vectors refuse (contract/vectors/retry-after.json), and no well-kept package
reads exactly RFC 9110's three forms.
"""

from __future__ import annotations

import calendar
import datetime
import re

#: The largest wait filled in, in seconds: 2**53 - 1.
MAX_RETRY_AFTER_S = 2**53 - 1

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DAY = "(" + "|".join(day[:3] for day in _DAYS) + ")"
_CLOCK = "([0-9]{2}):([0-9]{2}):([0-9]{2})"
_IMF_FIXDATE = re.compile(f"{_DAY}, ([0-9]{{2}}) {_MONTH} ([0-9]{{4}}) {_CLOCK} GMT")
_RFC_850 = re.compile(f"({'|'.join(_DAYS)}), ([0-9]{{2}})-{_MONTH}-([0-9]{{2}}) {_CLOCK} GMT")
_ASCTIME = re.compile(f"{_DAY} {_MONTH} ( [0-9]|[0-9]{{2}}) {_CLOCK} ([0-9]{{4}})")


def retry_after_seconds(value: str, now_unix_s: float) -> int | None:
    """Reads a Retry-After value as seconds to wait from `now_unix_s`; None if it is neither."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(int(value), MAX_RETRY_AFTER_S)
    date = http_date_unix_s(value)
    if date is None:
        return None
    return min(max(0, date - int(now_unix_s)), MAX_RETRY_AFTER_S)


def http_date_unix_s(value: str) -> int | None:
    """Reads a date in any of RFC 9110's three forms as seconds since 1970; None if not one."""
    if match := _IMF_FIXDATE.fullmatch(value):
        weekday, day, month, year, hour, minute, second = match.groups()
    elif match := _RFC_850.fullmatch(value):
        weekday, day, month, short_year, hour, minute, second = match.groups()
        year = str(int(short_year) + (2000 if int(short_year) < 70 else 1900))
    elif match := _ASCTIME.fullmatch(value):
        weekday, month, day, hour, minute, second, year = match.groups()
    else:
        return None
    try:
        date = datetime.date(int(year), _MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None
    if date.year < 1970 or _DAYS[date.weekday()][:3] != weekday[:3]:
        return None
    if int(hour) > 23 or int(minute) > 59 or int(second) > 59:
        return None
    return calendar.timegm((date.year, date.month, date.day, int(hour), int(minute), int(second)))
