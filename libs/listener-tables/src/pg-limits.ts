// What PostgreSQL 15 refuses that a JSON record can carry, so ingest refuses it up front
// (400 naming the field) instead of answering 202 and seeing the apply fail: a failed apply
// is retried for ~45 minutes and then dead-lettered, and the record is never stored. Every
// rule here was checked against a PostgreSQL 15 server through jsonb_to_recordset, the way
// rows are written (dml.ts); the numbers are its limits. Pure: no SQL runs here.
import type { ColumnType, KeyValue } from '@hookline/contracts';

// ---------------------------------------------------------------- timestamptz

export interface IsoDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The fraction's digits after the point ("" when none). */
  fraction: string;
  offsetMinutes: number;
}

/** An ISO 8601 / RFC 3339 date-time with a zone, as APIs write timestamps (GitHub; Stripe's created is a number). */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The parts of a date-time PostgreSQL accepts as timestamptz, or undefined. V8's Date.parse
 * is no guide: it takes 2019-02-31 (as March 3) and year 0000, which PostgreSQL refuses
 * ("date/time field value out of range"). So, as PostgreSQL 15 reads them:
 * - a real calendar date (proleptic Gregorian: 1900-02-29 is refused, 2000-02-29 is not),
 *   years 0001-9999 written with four digits: 0000 is refused, "+010000-01-01" is read as
 *   a zone and refused, and RFC 3339 has no other years. Shifted by an offset, every such
 *   instant stays inside PostgreSQL's range (4713 BC to 294276 AD);
 * - hours 00-23, and 24:00[:00] for the next midnight (accepted, with nothing after it);
 * - seconds 00-59, and 60 (a leap second, accepted at any minute and stored as the
 *   next minute's :00) without a fraction other than zeros (23:59:60.5 is refused);
 * - offsets up to ±15:59 (+16:00 and +14:60 are refused), as Z, ±hh, ±hhmm or ±hh:mm.
 * Fractions beyond microseconds are rounded by PostgreSQL and accepted.
 */
export function parseIsoDateTime(s: string): IsoDateTime | undefined {
  const m = ISO_DATE_TIME.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7] ?? '';
  const zeroFraction = /^0*$/.test(fraction);
  const offH = m[8] === undefined ? 0 : Number(m[9]);
  const offM = m[10] === undefined ? 0 : Number(m[10]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (minute > 59 || second > 60 || (second === 60 && !zeroFraction)) return undefined;
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0 || !zeroFraction))) return undefined;
  if (offH > 15 || offM > 59) return undefined;
  return { year, month, day, hour, minute, second, fraction, offsetMinutes: (m[8] === '-' ? -1 : 1) * (offH * 60 + offM) };
}

export function isIsoDateTime(s: string): boolean {
  return parseIsoDateTime(s) !== undefined;
}

/** The instant in epoch milliseconds (fraction cut to milliseconds); 24:00 and :60 roll over as PostgreSQL rolls them. */
export function isoDateTimeMillis(t: IsoDateTime): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, Number(t.fraction.slice(0, 3).padEnd(3, '0')));
  return d.getTime() - t.offsetMinutes * 60_000;
}

/** C's rint: to the nearest integer, a tie to the even one. */
function rint(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/**
 * The instant as one ISO text in UTC, to PostgreSQL's precision: milliseconds as
 * toISOString writes them (how pg hands a timestamptz back), or microseconds when the
 * instant has them ("…00.0001Z" and "… 00.000100Z" are one value to PostgreSQL, so one
 * key here). The fraction is rounded exactly as PostgreSQL 15 rounds it
 * (ParseFractionalSecond: rint(strtod(".ffff") * 1000000)).
 */
export function isoDateTimeKey(t: IsoDateTime): string {
  const total = t.fraction === '' ? 0 : rint(Number(`0.${t.fraction}`) * 1_000_000);
  const ms = isoDateTimeMillis({ ...t, fraction: '' }) + Math.floor(total / 1000);
  const micros = total % 1000;
  const iso = new Date(ms).toISOString();
  return micros === 0 ? iso : iso.replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
}

// ---------------------------------------------------------------- numeric

/** numeric's limits: up to 131072 digits before the decimal point, up to 16383 after. */
export const NUMERIC_MAX_INTEGER_DIGITS = 131_072;
export const NUMERIC_MAX_SCALE = 16_383;
/** numeric_in refuses an exponent of INT_MAX / 2 or more either way, even on zero ("0e1073741823"). */
const NUMERIC_MAX_EXPONENT = 1_073_741_823;

/** Decimal text as JSON carries it (and numeric_in reads it): sign, digits with an optional point, an optional exponent. */
export const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export interface Decimal {
  negative: boolean;
  /** Significant digits, without leading or trailing zeros; "" for zero. */
  digits: string;
  /** value = digits × 10^exponent. */
  exponent: number;
  /** The digits after the point that PostgreSQL keeps (its dscale): "1.50" has 2, "1.5e3" 0. */
  scale: number;
  /** The written exponent ("1e5": 5); ±Infinity when it has more than 15 digits. */
  written: number;
}

/** A decimal text (NUMERIC_TEXT, surrounding space allowed) as its value's parts, or undefined. */
export function parseDecimal(text: string): Decimal | undefined {
  const s = text.trim();
  if (!NUMERIC_TEXT.test(s)) return undefined;
  const negative = s.startsWith('-');
  const body = s.replace(/^[+-]/, '');
  const e = body.search(/[eE]/);
  const mantissa = e < 0 ? body : body.slice(0, e);
  const expText = e < 0 ? '0' : body.slice(e + 1);
  const expDigits = expText.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '');
  const written = expDigits.length > 15 ? (expText.startsWith('-') ? -Infinity : Infinity) : Number(expText);
  const [intPart, fracPart = ''] = mantissa.split('.');
  const all = intPart + fracPart;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return { negative: false, digits: '', exponent: 0, scale: Math.max(0, fracPart.length - written), written };
  const trimmed = all.slice(lead).replace(/0+$/, '');
  const trailing = all.length - lead - trimmed.length;
  return { negative, digits: trimmed, exponent: written - fracPart.length + trailing, scale: Math.max(0, fracPart.length - written), written };
}

/** Why PostgreSQL's numeric would refuse this decimal ("value overflows numeric format"), or undefined. */
export function numericRangeProblem(d: Decimal): string | undefined {
  const tooLarge = Math.abs(d.written) >= NUMERIC_MAX_EXPONENT || (d.digits !== '' && d.digits.length + d.exponent > NUMERIC_MAX_INTEGER_DIGITS);
  if (tooLarge || d.scale > NUMERIC_MAX_SCALE) {
    return `is out of PostgreSQL's numeric range (at most ${NUMERIC_MAX_INTEGER_DIGITS} digits before the decimal point and ${NUMERIC_MAX_SCALE} after)`;
  }
  return undefined;
}

/** How long decimalText(d) is, without building it. */
export function decimalTextLength(d: Decimal): number {
  if (d.digits === '') return 1;
  const sign = d.negative ? 1 : 0;
  if (d.exponent >= 0) return sign + d.digits.length + d.exponent;
  const point = d.digits.length + d.exponent;
  return sign + (point > 0 ? d.digits.length + 1 : 2 - point + d.digits.length);
}

/** The value written out without exponent or redundant zeros: "1.50e2" -> "150", "-0" -> "0". */
export function decimalText(d: Decimal): string {
  if (d.digits === '') return '0';
  const sign = d.negative ? '-' : '';
  if (d.exponent >= 0) return `${sign}${d.digits}${'0'.repeat(d.exponent)}`;
  const point = d.digits.length + d.exponent;
  return point > 0 ? `${sign}${d.digits.slice(0, point)}.${d.digits.slice(point)}` : `${sign}0.${'0'.repeat(-point)}${d.digits}`;
}

// ---------------------------------------------------------------- primary keys

/**
 * A key value's limit. Key values are indexed three times: the root table's primary key,
 * each child table's (the root's key copied into _root_<key>, plus the positions), and
 * listener_record_versions' (listener id, the key's values as JSON). A btree refuses an
 * entry over 2704 bytes ("index row size exceeds btree version 4 maximum 2704"; about
 * 2.7 KB of incompressible text, more when it compresses), so one value is held to 1000
 * bytes and a composite key's values together to 2048, leaving room for the entry's
 * header, the versions row's uuid and the child tables' positions. 1000, not 1024: the
 * URL forms (…/hooks/s/l/{recordId}, the records API's key.<column>=) take up to 1000
 * characters, so every key stored can also be patched, deleted and looked up by URL.
 */
export const MAX_KEY_VALUE_BYTES = 1000;
export const MAX_KEY_BYTES = 2048;

/**
 * A key value's size as the versions row stores it: UTF-8 bytes of its JSON text, so a
 * character JSON escapes counts as its escape (a quote 2 bytes, a control character 6).
 */
export function keyValueBytes(v: KeyValue): number {
  return typeof v === 'string' ? Buffer.byteLength(JSON.stringify(v), 'utf8') - 2 : String(v).length;
}

const MIN_KEY_INSTANT = isoDateTimeMillis({ year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, fraction: '', offsetMinutes: 0 });
const MAX_KEY_INSTANT = isoDateTimeMillis({ year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, fraction: '999', offsetMinutes: 0 });

/**
 * Why a coerced value cannot be (part of) a primary key, or undefined. Checked before the
 * key's canonical form is made, so a numeric key such as "1e100000" is refused before it
 * would be written out as 100001 digits.
 */
export function keyValueProblem(type: ColumnType, v: unknown): string | undefined {
  const tooLong = `is too long for a primary key: at most ${MAX_KEY_VALUE_BYTES} bytes (UTF-8; a quote, backslash or control character counts as its JSON escape)`;
  if (type === 'text' && typeof v === 'string' && keyValueBytes(v) > MAX_KEY_VALUE_BYTES) return tooLong;
  if (type === 'numeric') {
    const d = parseDecimal(String(v));
    if (d && decimalTextLength(d) > MAX_KEY_VALUE_BYTES) return `is too long for a primary key: at most ${MAX_KEY_VALUE_BYTES} digits written out`;
  }
  if (type === 'timestamptz' && typeof v === 'string') {
    // The key is written as an ISO string (canonicalKey); outside years 0001-9999 UTC that
    // would be "0000-…" or "+010000-…", which PostgreSQL refuses in the child tables' keys.
    const t = parseIsoDateTime(v);
    const ms = t ? isoDateTimeMillis(t) : NaN;
    if (!(ms >= MIN_KEY_INSTANT && ms <= MAX_KEY_INSTANT)) return 'must fall between 0001-01-01 and 9999-12-31 UTC to be a primary key';
  }
  return undefined;
}

// ---------------------------------------------------------------- row size

/**
 * The largest row PostgreSQL stores (MaxHeapTupleSize for 8 KB pages): "row is too big:
 * size 10832, maximum size 8160" for 600 text values of 30 bytes. Long values are moved out
 * of the row (TOAST), but each still leaves an 18-byte pointer, so hundreds of columns can
 * overflow a row that holds little.
 */
export const MAX_ROW_BYTES = 8160;
/** Values of at most MAXALIGN(toast pointer) bytes always stay in the row; longer ones may leave a pointer. */
const INLINE_MAX = 24;
const TOAST_POINTER = 18;
/**
 * Slack for what the estimate cannot know exactly: a root table's last_modified is placed
 * last here, but sits before columns a migration added (it shifts alignment by < 16 bytes).
 */
const ROW_SLACK = 16;

export type StoredType = ColumnType | 'integer';
export interface Cell {
  type: StoredType;
  value: unknown;
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

function distinctBytesOver(s: string, limit: number): boolean {
  const seen = new Set<number>();
  for (const b of Buffer.from(s, 'utf8')) if (seen.add(b).size > limit) return true;
  return false;
}

/** The strings of a JSON value (keys and values) joined: bytes a jsonb datum holds as they are. */
function jsonStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const e of v) jsonStrings(e, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, e] of Object.entries(v)) {
      out.push(k);
      jsonStrings(e, out);
    }
  }
}

/**
 * A variable-length value's bytes in the row once PostgreSQL has made room, as an upper
 * bound: a value of at most 24 bytes stays (with a 1-byte header); a longer one leaves an
 * 18-byte pointer, unless it compresses to 24 bytes or less and stays compressed (4-byte
 * header, aligned). pglz cannot get below one literal per distinct byte, so a value with
 * more than 16 distinct bytes never compresses that far.
 */
function varlenaBytes(type: ColumnType, v: unknown): { size: number; aligned: boolean } {
  const long = (content: string) => (distinctBytesOver(content, 16) ? { size: TOAST_POINTER, aligned: false } : { size: INLINE_MAX, aligned: true });
  if (type === 'text') {
    const s = String(v);
    const n = Buffer.byteLength(s, 'utf8') + 1;
    return n <= INLINE_MAX ? { size: n, aligned: false } : long(s);
  }
  if (type === 'numeric') {
    // 1-byte header, 2-4 bytes of sign, weight and scale, 2 bytes per 4 decimal digits.
    const d = parseDecimal(String(v));
    const n = 1 + 4 + 2 * (Math.ceil((d?.digits.length ?? 1000) / 4) + 1);
    return n <= INLINE_MAX ? { size: n, aligned: false } : { size: INLINE_MAX, aligned: true };
  }
  // jsonb: a scalar string is its bytes plus ~9 of headers; anything else is bounded by its strings, or 24.
  if (typeof v === 'string' && Buffer.byteLength(v, 'utf8') + 9 <= INLINE_MAX) return { size: Buffer.byteLength(v, 'utf8') + 9, aligned: false };
  if (typeof v === 'boolean') return { size: 9, aligned: false };
  const strings: string[] = [];
  jsonStrings(v, strings);
  const content = strings.join('');
  return Buffer.byteLength(content, 'utf8') > INLINE_MAX ? long(content) : { size: INLINE_MAX, aligned: true };
}

/**
 * An upper bound of a row's size as PostgreSQL stores it after TOAST: the header (with a
 * null bitmap when a value is null), then each value in column order, aligned as its type
 * is (timestamptz 8, integer 4). `attributes` counts the table's columns, given or not.
 */
export function rowBytes(cells: readonly Cell[], attributes: number): number {
  let off = 0;
  let nulls = cells.length < attributes;
  for (const { type, value } of cells) {
    if (value === null || value === undefined) {
      nulls = true;
      continue;
    }
    if (type === 'boolean') off += 1;
    else if (type === 'integer') off = align(off, 4) + 4;
    else if (type === 'timestamptz') off = align(off, 8) + 8;
    else {
      const v = varlenaBytes(type, value);
      off = (v.aligned ? align(off, 4) : off) + v.size;
    }
  }
  return align((nulls ? align(23 + Math.ceil(attributes / 8), 8) : 24) + off, 8);
}

/** The most a row of these column types can take: when it fits, no row of the table needs measuring. */
export function worstRowBytes(types: readonly StoredType[]): number {
  let off = 0;
  for (const t of types) off += t === 'boolean' ? 1 : t === 'integer' ? 7 : t === 'timestamptz' ? 15 : INLINE_MAX + 3;
  return align(align(23 + Math.ceil(types.length / 8), 8) + off, 8);
}

export function rowFits(bytes: number): boolean {
  return bytes <= MAX_ROW_BYTES - ROW_SLACK;
}
