// `Retry-After` read as a wait under host profile 1.0 (section 3): the rule every host follows.
//
// Whole seconds as they are, up to 2^53 - 1 (the largest integer every JSON reader holds
// exactly; past it, that); or a date in one of RFC 9110's three forms, IMF-fixdate
// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
// and asctime (`Sun Nov  6 08:49:37 1994`) forms, as the seconds until it (0 if past). A date is
// read as the Rust harness's `httpdate` reads it (`Date.parse` accepts far more): the exact form,
// the weekday the date's, years 1970 to 9999, seconds 0 to 59, an RFC 850 year below 70 in the
// 2000s. Anything else is no wait.

/** Holds the largest wait filled in, in seconds: 2^53 - 1. */
export const MAX_RETRY_AFTER_S = Number.MAX_SAFE_INTEGER;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH = `(${MONTHS.join('|')})`;
const DAY = `(${DAYS.map((day) => day.slice(0, 3)).join('|')})`;
const CLOCK = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${CLOCK} GMT$`);
const RFC_850 = new RegExp(`^(${DAYS.join('|')}), (\\d{2})-${MONTH}-(\\d{2}) ${CLOCK} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${CLOCK} (\\d{4})$`);

/** Reads a date in any of RFC 9110's three forms as milliseconds since 1970, or `null`. */
export function httpDateMs(value) {
  let weekday, day, month, year, hour, minute, second, match;
  if ((match = IMF_FIXDATE.exec(value))) {
    [, weekday, day, month, year, hour, minute, second] = match;
  } else if ((match = RFC_850.exec(value))) {
    [, weekday, day, month, year, hour, minute, second] = match;
    year = Number(year) + (Number(year) < 70 ? 2000 : 1900);
  } else if ((match = ASCTIME.exec(value))) {
    [, weekday, month, day, hour, minute, second, year] = match;
  } else {
    return null;
  }
  [day, year, hour, minute, second] = [day, year, hour, minute, second].map(Number);
  const monthIndex = MONTHS.indexOf(month);
  const date = new Date(Date.UTC(year, monthIndex, day, hour, minute, second));
  const sameDay = date.getUTCFullYear() === year && date.getUTCMonth() === monthIndex && date.getUTCDate() === day;
  if (!sameDay || year < 1970 || hour > 23 || minute > 59 || second > 59) return null;
  if (DAYS[date.getUTCDay()].slice(0, 3) !== weekday.slice(0, 3)) return null;
  return date.getTime();
}

/** Reads a `Retry-After` value as the seconds to wait from `nowMs`; `undefined` when it is neither. */
export function retryAfterSeconds(value, nowMs = Date.now()) {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(BigInt(text) > BigInt(MAX_RETRY_AFTER_S) ? MAX_RETRY_AFTER_S : BigInt(text));
  const dateMs = httpDateMs(text);
  if (dateMs === null) return undefined;
  return Math.min(Math.max(0, Math.ceil((dateMs - nowMs) / 1000)), MAX_RETRY_AFTER_S);
}
