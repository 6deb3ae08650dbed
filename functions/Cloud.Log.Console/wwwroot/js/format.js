// Pure functions of the console: decoding, formatting, filtering, export and rates. No DOM, no network,
// so the tests call them directly in the browser.

const utf8 = new TextEncoder();

/** Bytes of a base64 string. */
export function fromBase64(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Base64 of bytes. */
export function toBase64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * A field of a fetched record (key or value) as bytes and, where the service sent it as text, its text:
 * `{ text, bytes, binary }`, or null when the field is null (no key; a tombstone's value).
 */
export function fieldOf(record, name) {
  const b64 = record[name + 'Base64'];
  if (typeof b64 === 'string') return { text: null, bytes: fromBase64(b64), binary: true };
  const text = record[name];
  if (text === null || text === undefined) return null;
  return { text, bytes: utf8.encode(text), binary: false };
}

/** A hex dump: 16 bytes a line, offset, hex pairs and the printable ASCII beside them. */
export function hexDump(bytes, maxBytes = 4096) {
  const lines = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let i = 0; i < n; i += 16) {
    const row = bytes.slice(i, Math.min(i + 16, n));
    const hex = Array.from(row, b => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, b => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

/** Pretty-printed JSON of `text`, or null when it is not a JSON object or array. */
export function prettyJson(text) {
  if (typeof text !== 'string') return null;
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return null;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return null;
  }
}

/**
 * How a key or value is shown in `mode` ('text', 'json' or 'hex'): `{ kind, text }` where kind is
 * 'null', 'text', 'json' or 'hex'. Binary data is always shown as hex; 'json' falls back to text.
 */
export function display(field, mode) {
  if (field === null) return { kind: 'null', text: 'null' };
  if (field.binary || mode === 'hex') return { kind: 'hex', text: hexDump(field.bytes) };
  if (mode === 'json') {
    const pretty = prettyJson(field.text);
    if (pretty !== null) return { kind: 'json', text: pretty };
  }
  return { kind: 'text', text: field.text };
}

/** Headers of a fetched record as [name, text] pairs; binary header values as `0x…` hex. */
export function headersOf(record) {
  const pairs = Object.entries(record.headers ?? {}).map(([k, v]) => [k, v === null ? 'null' : String(v)]);
  for (const [k, v] of Object.entries(record.headersBase64 ?? {})) {
    pairs.push([k, v === null ? 'null' : '0x' + Array.from(fromBase64(v), b => b.toString(16).padStart(2, '0')).join('')]);
  }
  return pairs;
}

/** True when `filter` (case-insensitive text) occurs in the record's key, value, or a header name or value. */
export function matchesFilter(record, filter) {
  const f = (filter ?? '').trim().toLowerCase();
  if (f === '') return true;
  const parts = [record.key, record.value];
  for (const [k, v] of headersOf(record)) parts.push(k, v);
  return parts.some(p => typeof p === 'string' && p.toLowerCase().includes(f));
}

/** The records as JSON lines, one record a line, each as the API answered it. */
export function toJsonLines(records) {
  return records.map(r => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

/**
 * `key=value` lines (headers, configs) as an object. Blank lines are skipped; a line without `=` throws.
 * With `allowNull`, a line `key=` (nothing after the '=') gives null, so a config returns to its default.
 */
export function parseKeyValueLines(text, allowNull = false) {
  const result = {};
  for (const [i, raw] of (text ?? '').split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`Line ${i + 1} is not name=value: "${line}"`);
    const value = line.slice(at + 1).trim();
    result[line.slice(0, at).trim()] = allowNull && value === '' ? null : value;
  }
  return result;
}

/** Per-second rates between consecutive samples `{t (ms), v}`: `[{t, v}]`, one fewer; a fall (a reset) counts as 0. */
export function rates(samples) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].t - samples[i - 1].t) / 1000;
    if (dt <= 0) continue;
    out.push({ t: samples[i].t, v: Math.max(0, samples[i].v - samples[i - 1].v) / dt });
  }
  return out;
}

/** A count with thousands separators. */
export function formatCount(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

/** A byte count in binary units, e.g. `1.5 KiB`, `12 B`; a dash when unknown. */
export function formatBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A time in milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS.mmm` UTC. */
export function formatTime(ms) {
  if (ms === null || ms === undefined || ms < 0) return '—';
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A rate with one decimal, e.g. `12.5/s`. */
export function formatRate(v) {
  return `${v.toFixed(v < 10 ? 1 : 0)}/s`;
}

/** `offset` moved into the partition's [logStartOffset, highWatermark]. */
export function clampOffset(offset, partition) {
  return Math.min(Math.max(offset, partition.logStartOffset), partition.highWatermark);
}

/** A problem answer (RFC 9457) as one line: `title (status CODE): detail`. */
export function problemText(problem, status) {
  if (!problem || typeof problem !== 'object') return `HTTP ${status}`;
  const code = problem.code ? ` ${problem.code}` : '';
  const head = `${problem.title ?? 'Error'} (${problem.status ?? status}${code})`;
  return problem.detail ? `${head}: ${problem.detail}` : head;
}
