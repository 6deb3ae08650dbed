// The public REST API (docs/api.md), as the console calls it. The key goes in `x-functions-key`, which
// the function app's host checks and the standalone server takes as an API key, so one setting serves both.
import { problemText } from './format.js';

const KEY = 'cloudlog.key';
const ENDPOINT = 'cloudlog.endpoint';

/** An answer that was not a success: the HTTP status and the problem body (or null). */
export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message ?? problemText(problem, status));
    this.status = status;
    this.problem = problem;
  }
}

/** The default endpoint: `/api/` on the origin that served the console. */
export function defaultEndpoint() {
  return new URL('/api/', location.href).href;
}

export class Api {
  constructor() {
    // `?api=` points the console at another endpoint. A key is never carried to an endpoint it was not
    // entered for: a link that changes the endpoint signs the tab out.
    const fromQuery = new URLSearchParams(location.search).get('api');
    if (fromQuery) {
      const endpoint = new URL(fromQuery, location.href).href;
      if (endpoint !== this.endpoint) sessionStorage.removeItem(KEY);
      sessionStorage.setItem(ENDPOINT, endpoint);
    }
    this.onUnauthorized = () => {};
    this.onBusy = () => {};
    this.pending = 0;
  }

  get endpoint() {
    return sessionStorage.getItem(ENDPOINT) ?? defaultEndpoint();
  }

  get key() {
    return sessionStorage.getItem(KEY) ?? '';
  }

  /** Keeps the endpoint and key for this tab's session only. */
  signIn(endpoint, key) {
    let url = new URL(endpoint, location.href).href;
    if (!url.endsWith('/')) url += '/';
    sessionStorage.setItem(ENDPOINT, url);
    if (key) sessionStorage.setItem(KEY, key);
    else sessionStorage.removeItem(KEY);
  }

  signOut() {
    sessionStorage.removeItem(KEY);
  }

  /**
   * One call: `path` below the endpoint, `body` sent as JSON. Resolves to the parsed JSON (null for 204);
   * rejects with ApiError carrying the problem. `quiet` calls (long polls) do not show as work in progress.
   */
  async call(method, path, body, { signal, quiet } = {}) {
    const headers = { Accept: 'application/json' };
    if (this.key) headers['x-functions-key'] = this.key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const url = new URL(path.replace(/^\//, ''), this.endpoint);
    if (!quiet) this.onBusy(++this.pending);
    let response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: 'same-origin' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, null, `Could not reach ${this.endpoint}: the network failed or the browser refused the answer. ` +
        'A console on another origin needs that origin allowed by the service\'s CORS settings.');
    } finally {
      if (!quiet) this.onBusy(--this.pending);
    }
    const text = await response.text();
    let json = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!response.ok) {
      const error = new ApiError(response.status, json);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    return json;
  }

  get(path, options) { return this.call('GET', path, undefined, options); }

  topics() { return this.get('topics'); }
  topic(name) { return this.get(`topics/${enc(name)}`); }
  createTopic(body) { return this.call('POST', 'topics', body); }
  deleteTopic(name) { return this.call('DELETE', `topics/${enc(name)}`); }
  alterConfigs(name, configs) { return this.call('PATCH', `topics/${enc(name)}/configs`, { configs }); }
  addPartitions(name, count) { return this.call('POST', `topics/${enc(name)}/partitions`, { count }); }
  produce(name, records) { return this.call('POST', `topics/${enc(name)}/records`, { records }); }

  fetch(name, partition, offset, { maxRecords = 100, maxWaitMs = 0, signal, quiet } = {}) {
    return this.get(`topics/${enc(name)}/partitions/${partition}/records?offset=${offset}&maxRecords=${maxRecords}&maxWaitMs=${maxWaitMs}`, { signal, quiet });
  }

  /** `at`: 'earliest', 'latest' or a timestamp in ms. */
  offsetAt(name, partition, at, options) { return this.get(`topics/${enc(name)}/partitions/${partition}/offsets?at=${at}`, options); }

  groups(options) { return this.get('groups', options); }
  group(group, options) { return this.get(`groups/${enc(group)}`, options); }
  groupOffsets(group, topic, options) { return this.get(`groups/${enc(group)}/offsets${topic ? `?topic=${enc(topic)}` : ''}`, options); }
  commit(group, offsets) { return this.call('POST', `groups/${enc(group)}/offsets`, { offsets }); }
  deleteGroup(group) { return this.call('DELETE', `groups/${enc(group)}`); }
}

function enc(name) {
  return encodeURIComponent(name);
}
