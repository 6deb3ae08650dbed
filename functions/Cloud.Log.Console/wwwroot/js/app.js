// The console's views and router. Routes (the URL's hash):
//   #/topics                     topics, create, delete
//   #/topics/{topic}/{tab}       partitions | messages | produce | configs | throughput
//   #/groups                     consumer groups
//   #/groups/{group}             offsets, lag chart, offset reset
import { h, replace, table, field } from './dom.js';
import * as f from './format.js';
import { Api, ApiError } from './api.js';
import { lineChart } from './chart.js';

const api = new Api();
const view = document.getElementById('view');
const errorBox = document.getElementById('error');
const noticeBox = document.getElementById('notice');
const params = new URLSearchParams(location.search);
/** How often charts sample, in ms (`?pollMs=` overrides the 2 s default). */
const pollMs = Math.max(250, Number(params.get('pollMs')) || 2000);
/** Stops what the current view started (pollers, tails) when the route changes. */
let stops = [];
/** What "produce again" carries to the produce form. */
let producePrefill = null;
/** Where "show it" or a link starts the message browser. */
let browsePrefill = null;

api.onBusy = n => { document.getElementById('busy').hidden = n === 0; };
api.onUnauthorized = e => openSignIn(`The service asked for credentials: ${e.message}`);

// ---- messages -------------------------------------------------------------------------------------

function showError(e) {
  if (e?.name === 'AbortError') return;
  const text = e instanceof ApiError || e instanceof Error ? e.message : String(e);
  replace(errorBox, h('span', { class: 'message' }, text),
    e?.problem?.code ? h('code', {}, e.problem.code) : null,
    h('button', { type: 'button', class: 'link', onclick: () => { errorBox.hidden = true; } }, 'dismiss'));
  errorBox.hidden = false;
}

function notice(text) {
  replace(noticeBox, text);
  noticeBox.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => { noticeBox.hidden = true; }, 6000);
}

/** Hides the error; with `all`, the last notice too (an action starts afresh, a view keeps the notice that led to it). */
function clearMessages(all = false) {
  errorBox.hidden = true;
  if (all) noticeBox.hidden = true;
}

/** Runs `action`, showing its error; the button is disabled meanwhile. */
async function run(button, action) {
  clearMessages(true);
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- sign-in and confirmation ---------------------------------------------------------------------

const signInDialog = document.getElementById('sign-in');

function openSignIn(reason) {
  document.getElementById('sign-in-reason').textContent = reason ??
    'Enter an API key (standalone server) or a function key (function app). It is kept for this browser tab only.';
  document.getElementById('sign-in-endpoint').value = api.endpoint;
  document.getElementById('sign-in-key').value = '';
  if (!signInDialog.open) signInDialog.showModal();
  document.getElementById('sign-in-key').focus();
}

document.getElementById('sign-in-form').addEventListener('submit', () => {
  api.signIn(document.getElementById('sign-in-endpoint').value, document.getElementById('sign-in-key').value);
  showEndpoint();
  render();
});
document.getElementById('sign-in-cancel').addEventListener('click', () => signInDialog.close());
document.getElementById('sign-in-button').addEventListener('click', () => {
  if (api.key) {
    api.signOut();
    showEndpoint();
    notice('Signed out: the key is forgotten.');
  } else {
    openSignIn();
  }
});

function showEndpoint() {
  document.getElementById('endpoint').textContent = api.endpoint + (api.key ? ' · key set' : '');
  document.getElementById('sign-in-button').textContent = api.key ? 'Sign out' : 'Sign in';
}

const confirmDialog = document.getElementById('confirm');

/** Asks for confirmation; with `expected`, the user must type it (the name of what is deleted). */
function confirmAction({ title, body, expected, ok = 'Confirm' }) {
  document.getElementById('confirm-title').textContent = title;
  replace(document.getElementById('confirm-body'), body);
  const label = document.getElementById('confirm-type-label');
  const input = document.getElementById('confirm-input');
  const okButton = document.getElementById('confirm-ok');
  okButton.textContent = ok;
  label.hidden = !expected;
  input.value = '';
  const check = () => input.setCustomValidity(!expected || input.value === expected ? '' : `Type ${expected} to confirm.`);
  input.oninput = check;
  check();
  document.getElementById('confirm-expected').textContent = expected ?? '';
  confirmDialog.returnValue = '';
  confirmDialog.showModal();
  (expected ? input : okButton).focus();
  return new Promise(resolve => {
    confirmDialog.addEventListener('close', () => resolve(confirmDialog.returnValue === 'ok' && (!expected || input.value === expected)), { once: true });
  });
}

// ---- router ---------------------------------------------------------------------------------------

window.addEventListener('hashchange', render);

async function render() {
  for (const stop of stops) stop();
  stops = [];
  clearMessages();
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const section = parts[0] === 'groups' ? 'groups' : 'topics';
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === section);
  try {
    if (section === 'topics' && parts[1]) await topicView(parts[1], parts[2] ?? 'partitions');
    else if (section === 'groups' && parts[1]) await groupView(parts[1]);
    else if (section === 'groups') await groupsView();
    else await topicsView();
  } catch (e) {
    showError(e);
    if (e instanceof ApiError && e.status === 401) {
      replace(view, h('section', { class: 'empty' }, h('h1', {}, 'Sign in'), h('p', {}, 'This service needs a key.'),
        h('button', { type: 'button', onclick: () => openSignIn() }, 'Sign in')));
    } else if (view.querySelector('.loading')) {
      replace(view, h('p', { class: 'muted' }, 'Nothing to show.'));
    }
  }
}

function loading() {
  replace(view, h('p', { class: 'muted loading' }, 'Loading…'));
}

/** Repeats `tick` every pollMs until the route changes. */
function poll(tick) {
  let stopped = false;
  let timer;
  const loop = async () => {
    if (stopped) return;
    try {
      await tick();
    } catch (e) {
      showError(e);
    }
    if (!stopped) timer = setTimeout(loop, pollMs);
  };
  stops.push(() => { stopped = true; clearTimeout(timer); });
  loop();
}

// ---- topics ---------------------------------------------------------------------------------------

function recordCount(description) {
  return description.partitions.reduce((sum, p) => sum + (p.highWatermark - p.logStartOffset), 0);
}

/** The topic's bytes (one copy), or null when a partition's size is not known. */
function byteSize(description) {
  return description.partitions.every(p => typeof p.sizeBytes === 'number')
    ? description.partitions.reduce((sum, p) => sum + p.sizeBytes, 0)
    : null;
}

async function topicsView() {
  loading();
  const { topics } = await api.topics();
  const details = await Promise.all(topics.map(t => api.topic(t.name).catch(() => null)));
  const rows = topics.map((t, i) => h('tr', { dataset: { topic: t.name } },
    h('td', {}, h('a', { href: `#/topics/${encodeURIComponent(t.name)}/partitions` }, t.name)),
    h('td', { class: 'num' }, t.partitions),
    h('td', { class: 'num' }, t.replicationFactor),
    h('td', { class: 'num records' }, details[i] ? f.formatCount(recordCount(details[i])) : '—'),
    h('td', { class: 'num size' }, details[i] ? f.formatBytes(byteSize(details[i])) : '—'),
    h('td', {}, details[i]?.configs?.['cleanup.policy'] ?? '—'),
    h('td', {}, details[i]?.configs?.['retention.ms'] === '-1' ? 'forever' : retention(details[i]?.configs?.['retention.ms'])),
    h('td', { class: 'actions' }, h('button', { type: 'button', class: 'danger small', onclick: () => deleteTopic(t.name) }, 'Delete'))));

  const name = h('input', { id: 'create-name', required: true, pattern: '[a-zA-Z0-9._\\-]{1,249}', placeholder: 'orders' });
  const partitions = h('input', { id: 'create-partitions', type: 'number', min: 1, max: 10000, value: '1', required: true });
  const replication = h('input', { id: 'create-replication', type: 'number', min: 1, placeholder: 'service default' });
  const configs = h('textarea', { id: 'create-configs', rows: 3, placeholder: 'retention.ms=86400000\ncleanup.policy=delete' });
  const submit = h('button', { type: 'submit', id: 'create-submit' }, 'Create topic');
  const form = h('form', {
    class: 'card form-grid', id: 'create-topic', onsubmit: e => {
      e.preventDefault();
      run(submit, async () => {
        const body = { name: name.value.trim(), partitions: Number(partitions.value) };
        if (replication.value) body.replicationFactor = Number(replication.value);
        const c = f.parseKeyValueLines(configs.value);
        if (Object.keys(c).length) body.configs = c;
        await api.createTopic(body);
        notice(`Topic ${body.name} created.`);
        location.hash = `#/topics/${encodeURIComponent(body.name)}/partitions`;
      });
    },
  }, h('h2', {}, 'New topic'), field('Name', name), field('Partitions', partitions), field('Replication factor', replication),
  field('Configs', configs, 'one name=value a line, Kafka\'s names'), h('div', { class: 'buttons' }, submit));

  replace(view,
    h('h1', {}, 'Topics'),
    topics.length
      ? table(['Topic', 'Partitions', 'Replication', 'Records', 'Size', 'Cleanup', 'Retention', ''], rows, { id: 'topics', class: 'grid' })
      : h('p', { class: 'muted', id: 'topics' }, 'No topics yet: create one below.'),
    h('p', { class: 'muted small' }, 'Records: high watermark minus log start, summed over partitions. Size: the bytes of one copy of the log (each replica holds the same).'),
    form);
}

function retention(ms) {
  if (ms === undefined) return '—';
  const n = Number(ms);
  if (n % 86400000 === 0) return `${n / 86400000} d`;
  if (n % 3600000 === 0) return `${n / 3600000} h`;
  return `${f.formatCount(n)} ms`;
}

async function deleteTopic(name) {
  const yes = await confirmAction({
    title: `Delete topic ${name}?`,
    body: h('p', {}, 'The topic leaves every listing at once and its records are removed. This cannot be undone.'),
    expected: name,
    ok: 'Delete topic',
  });
  if (!yes) return;
  await run(null, async () => {
    await api.deleteTopic(name);
    notice(`Topic ${name} deleted.`);
    if (location.hash === '#/topics') render(); else location.hash = '#/topics';
  });
}

const tabs = [['partitions', 'Partitions'], ['messages', 'Messages'], ['produce', 'Produce'], ['configs', 'Configs'], ['throughput', 'Throughput']];

async function topicView(name, tab) {
  loading();
  const topic = await api.topic(name);
  const base = `#/topics/${encodeURIComponent(name)}`;
  const body = h('div', { class: 'tab-body' });
  replace(view,
    h('div', { class: 'title-row' },
      h('h1', {}, h('a', { href: '#/topics', class: 'crumb' }, 'Topics'), ' / ', h('span', { id: 'topic-name' }, name)),
      h('button', { type: 'button', class: 'danger', id: 'delete-topic', onclick: () => deleteTopic(name) }, 'Delete topic')),
    h('p', { class: 'muted summary' },
      `${topic.partitions.length} partition${topic.partitions.length === 1 ? '' : 's'} · replication factor ${topic.replicationFactor} · `,
      `${f.formatCount(recordCount(topic))} records · ${f.formatBytes(byteSize(topic))} · id ${topic.topicId}`),
    h('nav', { class: 'tabs' }, tabs.map(([id, label]) => h('a', { href: `${base}/${id}`, class: id === tab ? 'active' : null, dataset: { tab: id } }, label))),
    body);
  switch (tab) {
    case 'messages': return messagesTab(topic, body);
    case 'produce': return produceTab(topic, body);
    case 'configs': return configsTab(topic, body);
    case 'throughput': return throughputTab(topic, body);
    default: return partitionsTab(topic, body);
  }
}

function partitionsTab(topic, body) {
  const rows = topic.partitions.map(p => [p.partition, p.leader, p.leaderEpoch, p.replicas.join(', '), p.isr.join(', '),
    f.formatCount(p.logStartOffset), f.formatCount(p.highWatermark), f.formatCount(p.highWatermark - p.logStartOffset),
    f.formatBytes(p.sizeBytes), f.formatCount(p.segments)]);
  const count = h('input', { id: 'add-partitions-count', type: 'number', min: topic.partitions.length + 1, value: String(topic.partitions.length + 1), required: true });
  const submit = h('button', { type: 'submit', id: 'add-partitions-submit' }, 'Add partitions');
  replace(body,
    table(['Partition', 'Leader', 'Leader epoch', 'Replicas', 'In sync', 'Log start', 'High watermark', 'Records', 'Size', 'Segments'], rows, { id: 'partitions', class: 'grid numbers' }),
    h('p', { class: 'muted small' }, 'Replicas are storage locations. Size: the bytes of one copy; segments: how many, the active one included.'),
    h('form', {
      class: 'card inline', onsubmit: e => {
        e.preventDefault();
        run(submit, async () => {
          await api.addPartitions(topic.name, Number(count.value));
          notice(`${topic.name} now has ${count.value} partitions.`);
          render();
        });
      },
    }, field('New partition count', count, 'only upwards, as in Kafka'), submit));
}

function configsTab(topic, body) {
  const inputs = new Map();
  const reset = new Set();
  const rows = Object.entries(topic.configs).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => {
    const input = h('input', { value, dataset: { config: name }, 'aria-label': name });
    inputs.set(name, input);
    const resetButton = h('button', {
      type: 'button', class: 'link', onclick: () => { reset.add(name); input.value = ''; input.placeholder = 'default'; },
    }, 'default');
    return [h('code', {}, name), input, resetButton];
  });
  const extra = h('textarea', { id: 'config-extra', rows: 2, placeholder: 'name=value (an override to add)' });
  const save = h('button', { type: 'submit', id: 'config-save' }, 'Save changes');
  replace(body, h('form', {
    onsubmit: e => {
      e.preventDefault();
      run(save, async () => {
        const changes = f.parseKeyValueLines(extra.value);
        for (const [name, input] of inputs) {
          if (reset.has(name) && input.value === '') changes[name] = null;
          else if (input.value !== topic.configs[name]) changes[name] = input.value;
        }
        if (Object.keys(changes).length === 0) { notice('Nothing changed.'); return; }
        await api.alterConfigs(topic.name, changes);
        notice(`Saved: ${Object.keys(changes).join(', ')}.`);
        render();
      });
    },
  }, table(['Config', 'Effective value', ''], rows, { id: 'configs', class: 'grid' }), field('More', extra), h('div', { class: 'buttons' }, save)));
}

// ---- records: one row -----------------------------------------------------------------------------

function shown(fieldValue, mode) {
  const d = f.display(fieldValue, mode);
  return h('pre', { class: `cell ${d.kind}` }, d.text);
}

function recordRow(topic, record, mode) {
  const headers = f.headersOf(record);
  return h('tr', { class: 'record', dataset: { partition: record.partition, offset: record.offset } },
    h('td', { class: 'num' }, record.partition),
    h('td', { class: 'num offset' }, record.offset),
    h('td', { class: 'time' }, f.formatTime(record.timestamp)),
    h('td', { class: 'key' }, shown(f.fieldOf(record, 'key'), mode)),
    h('td', { class: 'value' }, shown(f.fieldOf(record, 'value'), mode)),
    h('td', { class: 'headers' }, headers.length ? h('pre', { class: 'cell text' }, headers.map(([k, v]) => `${k}: ${v}`).join('\n')) : ''),
    h('td', { class: 'actions' }, h('button', {
      type: 'button', class: 'link produce-again', title: 'Open the produce form with this record',
      onclick: () => {
        producePrefill = record;
        location.hash = `#/topics/${encodeURIComponent(topic.name)}/produce`;
      },
    }, 'produce again')));
}

const recordHeaders = ['Partition', 'Offset', 'Timestamp (UTC)', 'Key', 'Value', 'Headers', ''];

// ---- messages: browser and live tail --------------------------------------------------------------

function messagesTab(topic, body) {
  const all = topic.partitions.map(p => p.partition);
  const prefill = browsePrefill;
  browsePrefill = null;
  const state = { records: [], positions: null, next: null };
  const boxes = all.map(p => h('input', { type: 'checkbox', name: 'partition', value: String(p), checked: !prefill || prefill.partition === p }));
  const start = h('select', { id: 'msg-start' },
    [['beginning', 'the beginning'], ['newest', 'the newest'], ['offset', 'an offset'], ['timestamp', 'a timestamp']]
      .map(([v, l]) => h('option', { value: v, selected: prefill ? v === 'offset' : v === 'beginning' }, l)));
  const offset = h('input', { id: 'msg-offset', type: 'number', min: 0, value: prefill ? String(prefill.offset) : '0' });
  const time = h('input', { id: 'msg-time', placeholder: '2026-12-01T08:30:00Z or ms', size: 24 });
  const size = h('input', { id: 'msg-size', type: 'number', min: 1, max: 1000, value: '50' });
  const mode = h('select', { id: 'msg-mode' }, [['text', 'text'], ['json', 'JSON (pretty)'], ['hex', 'hex']].map(([v, l]) => h('option', { value: v }, l)));
  const filter = h('input', { id: 'msg-filter', type: 'search', placeholder: 'text in key, value or headers' });
  const load = h('button', { type: 'submit', id: 'msg-load' }, 'Show');
  const prev = h('button', { type: 'button', id: 'msg-prev', class: 'secondary', disabled: true }, '◀ Previous');
  const next = h('button', { type: 'button', id: 'msg-next', class: 'secondary', disabled: true }, 'Next ▶');
  const exportButton = h('button', { type: 'button', id: 'msg-export', class: 'secondary' }, 'Export JSON lines');
  const status = h('p', { class: 'muted small', id: 'msg-status' });
  const results = h('div', { id: 'msg-results' });
  const syncInputs = () => { offset.hidden = start.value !== 'offset'; time.hidden = start.value !== 'timestamp'; };
  start.addEventListener('change', syncInputs);
  syncInputs();

  const selected = () => boxes.filter(b => b.checked).map(b => Number(b.value));
  const pageSize = () => Math.max(1, Math.min(1000, Number(size.value) || 50));

  const draw = () => {
    const visible = state.records.filter(r => f.matchesFilter(r, filter.value));
    status.textContent = state.positions === null ? '' :
      `${visible.length} of ${state.records.length} records shown` + (filter.value ? ` (filter "${filter.value}")` : '') +
      ` · from ${[...state.positions].map(([p, o]) => `${p}@${o}`).join(', ')}`;
    replace(results, visible.length
      ? table(recordHeaders, visible.map(r => recordRow(topic, r, mode.value)), { id: 'records', class: 'grid records' })
      : h('p', { class: 'muted', id: 'records' }, state.positions === null ? 'Pick where to start and press Show.' : 'No records here.'));
    tail.draw();
  };
  filter.addEventListener('input', draw);
  mode.addEventListener('change', draw);

  /** Fetches one page from `positions` (partition → offset), up to a page per partition. */
  const page = async positions => {
    const answers = await Promise.all([...positions].map(([p, o]) => api.fetch(topic.name, p, o, { maxRecords: pageSize() })));
    state.positions = positions;
    state.next = new Map([...positions].map(([p], i) => [p, answers[i].nextOffset]));
    state.bounds = new Map([...positions].map(([p], i) => [p, answers[i]]));
    state.records = answers.flatMap(a => a.records.slice(0, pageSize()))
      .sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
    state.atStart = [...positions].every(([p, o]) => o <= state.bounds.get(p).logStartOffset);
    state.atEnd = [...state.next].every(([p, o]) => o >= state.bounds.get(p).highWatermark);
    draw();
  };
  /** Runs a paging action, then enables Previous and Next where there is a page that way. */
  const paging = (button, action) => run(button, action).then(() => {
    prev.disabled = state.positions === null || state.atStart;
    next.disabled = state.positions === null || state.atEnd;
  });

  const firstPage = async () => {
    const parts = selected();
    if (parts.length === 0) throw new Error('Pick at least one partition.');
    const fresh = await api.topic(topic.name);
    const info = new Map(fresh.partitions.map(p => [p.partition, p]));
    const positions = new Map();
    let at = null;
    if (start.value === 'timestamp') {
      at = /^\d+$/.test(time.value.trim()) ? Number(time.value.trim()) : Date.parse(time.value.trim());
      if (Number.isNaN(at)) throw new Error(`"${time.value}" is not a time: give an ISO date-time (2026-12-01T08:30:00Z) or milliseconds since the epoch.`);
    }
    for (const p of parts) {
      const i = info.get(p);
      if (start.value === 'beginning') positions.set(p, i.logStartOffset);
      else if (start.value === 'newest') positions.set(p, Math.max(i.logStartOffset, i.highWatermark - pageSize()));
      else if (start.value === 'offset') positions.set(p, f.clampOffset(Number(offset.value) || 0, i));
      else {
        const found = await api.offsetAt(topic.name, p, at);
        positions.set(p, found.offset ?? i.highWatermark);
      }
    }
    await page(positions);
  };

  prev.addEventListener('click', () => paging(prev, () => page(new Map([...state.positions].map(([p, o]) =>
    [p, Math.max(state.bounds.get(p).logStartOffset, o - pageSize())])))));
  next.addEventListener('click', () => paging(next, () => page(new Map(state.next))));
  exportButton.addEventListener('click', () => {
    const visible = state.records.filter(r => f.matchesFilter(r, filter.value));
    const blob = new Blob([f.toJsonLines(visible)], { type: 'application/x-ndjson' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `${topic.name}-records.jsonl` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  });

  const tail = liveTail(topic, selected, () => mode.value, () => filter.value);
  replace(body,
    h('form', { class: 'card controls', id: 'msg-form', onsubmit: e => { e.preventDefault(); paging(load, firstPage); } },
      h('div', { class: 'partitions', id: 'msg-partitions' }, h('span', {}, 'Partitions'),
        boxes.map((b, i) => h('label', { class: 'check' }, b, all[i])),
        h('button', { type: 'button', class: 'link', onclick: () => { const on = boxes.some(b => !b.checked); boxes.forEach(b => { b.checked = on; }); } }, 'all / none')),
      h('div', { class: 'row' }, field('Start at', start), offset, time, field('Per partition', size), load, prev, next),
      h('div', { class: 'row' }, field('Filter', filter), field('Show as', mode), exportButton)),
    status, results, tail.element);
  if (prefill) paging(load, firstPage); else draw();
}

/** The live tail: a long poll per picked partition from its high watermark, newest first; pausable. */
function liveTail(topic, selected, mode, filter) {
  const rows = [];
  const positions = new Map();
  let controller = null;
  const toggle = h('button', { type: 'button', id: 'tail-toggle' }, 'Start live tail');
  const state = h('span', { class: 'muted small', id: 'tail-state' }, 'paused');
  const list = h('div', { id: 'tail' });
  const draw = () => {
    const visible = rows.filter(r => f.matchesFilter(r, filter()));
    replace(list, visible.length
      ? table(recordHeaders, visible.map(r => recordRow(topic, r, mode())), { class: 'grid records', id: 'tail-records' })
      : h('p', { class: 'muted' }, controller ? 'Waiting for records…' : 'Start the tail to see records as they arrive.'));
  };
  const stop = () => {
    controller?.abort();
    controller = null;
    toggle.textContent = 'Resume live tail';
    state.textContent = 'paused';
    draw();
  };
  const follow = async (p, signal) => {
    while (!signal.aborted) {
      const answer = await api.fetch(topic.name, p, positions.get(p), { maxWaitMs: 5000, maxRecords: 200, signal, quiet: true });
      if (signal.aborted) return;
      positions.set(p, answer.nextOffset);
      state.textContent = `following ${selected().filter(x => positions.has(x)).map(x => `${x}@${positions.get(x)}`).join(', ')}`;
      if (answer.records.length) {
        rows.unshift(...answer.records.reverse());
        rows.length = Math.min(rows.length, 500);
        draw();
      }
    }
  };
  const startTail = async () => {
    const parts = selected();
    if (parts.length === 0) { showError(new Error('Pick at least one partition.')); return; }
    controller = new AbortController();
    const signal = controller.signal;
    toggle.textContent = 'Pause live tail';
    state.textContent = 'following';
    draw();
    try {
      const missing = parts.filter(p => !positions.has(p));
      if (missing.length) {
        const fresh = await api.topic(topic.name);
        for (const p of missing) positions.set(p, fresh.partitions.find(x => x.partition === p).highWatermark);
      }
      state.textContent = `following ${parts.map(p => `${p}@${positions.get(p)}`).join(', ')}`;
      await Promise.all(parts.map(p => follow(p, signal)));
    } catch (e) {
      if (e.name !== 'AbortError') {
        showError(e);
        if (controller?.signal === signal) stop();
      }
    }
  };
  toggle.addEventListener('click', () => (controller ? stop() : startTail()));
  stops.push(() => controller?.abort());
  draw();
  return {
    draw,
    element: h('section', { class: 'card tail' }, h('div', { class: 'title-row' }, h('h2', {}, 'Live tail'), h('span', {}, state, ' ', toggle)), list),
  };
}

// ---- produce --------------------------------------------------------------------------------------

function produceTab(topic, body) {
  const again = producePrefill;
  producePrefill = null;
  const binary = !!(again && (again.keyBase64 || again.valueBase64));
  const partition = h('select', { id: 'produce-partition' },
    h('option', { value: '' }, 'by key (murmur2), else spread'),
    topic.partitions.map(p => h('option', { value: String(p.partition), selected: again?.partition === p.partition }, `partition ${p.partition}`)));
  const key = h('input', { id: 'produce-key', value: (binary ? again.keyBase64 : again?.key) ?? '', placeholder: 'none' });
  const value = h('textarea', { id: 'produce-value', rows: 6, value: (binary ? again.valueBase64 : again?.value) ?? '' });
  const asJson = h('input', { type: 'checkbox', id: 'produce-json' });
  const asBase64 = h('input', { type: 'checkbox', id: 'produce-base64', checked: binary });
  const headers = h('textarea', { id: 'produce-headers', rows: 3, placeholder: 'source=web', value: again ? f.headersOf(again).map(([k, v]) => `${k}=${v}`).join('\n') : '' });
  const submit = h('button', { type: 'submit', id: 'produce-submit' }, 'Produce');
  const result = h('div', { id: 'produce-result' });
  replace(body,
    again ? h('p', { class: 'notice-inline' }, `Filled from partition ${again.partition}, offset ${again.offset}.`) : null,
    h('form', {
      class: 'card form-grid', id: 'produce-form', onsubmit: e => {
        e.preventDefault();
        run(submit, async () => {
          const record = {};
          if (key.value !== '') record[asBase64.checked ? 'keyBase64' : 'key'] = key.value;
          if (asBase64.checked) record.valueBase64 = value.value;
          else if (asJson.checked) {
            try { record.value = JSON.parse(value.value); } catch (x) { throw new Error(`The value is not JSON: ${x.message}`); }
          } else record.value = value.value;
          const hs = f.parseKeyValueLines(headers.value);
          if (Object.keys(hs).length) record.headers = hs;
          if (partition.value !== '') record.partition = Number(partition.value);
          const { offsets: [stored] } = await api.produce(topic.name, [record]);
          replace(result, h('p', { class: 'ok' }, `Stored in partition ${stored.partition} at offset ${stored.offset}, ${f.formatTime(stored.timestamp)} UTC. `,
            h('a', {
              href: `#/topics/${encodeURIComponent(topic.name)}/messages`, id: 'produce-show',
              onclick: () => { browsePrefill = stored; },
            }, 'Show it')));
        });
      },
    },
    h('h2', {}, 'Produce a record'),
    field('Partition', partition), field('Key', key, 'empty for none'), field('Value', value),
    h('div', { class: 'row' }, h('label', { class: 'check' }, asJson, 'value is JSON (stored as compact JSON text)'),
      h('label', { class: 'check' }, asBase64, 'key and value are base64 (bytes)')),
    field('Headers', headers, 'one name=value a line'),
    h('div', { class: 'buttons' }, submit)),
    result);
}

// ---- throughput -----------------------------------------------------------------------------------

async function groupsOf(topicName) {
  const { groups } = await api.groups({ quiet: true });
  const found = [];
  for (const g of groups) {
    try {
      const answer = await api.groupOffsets(g.group, topicName, { quiet: true });
      if (answer.offsets.length) found.push(answer);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  return found;
}

function throughputTab(topic, body) {
  const produced = [];
  const consumed = [];
  const chart = h('div', { id: 'throughput-chart' });
  const facts = h('p', { class: 'muted small', id: 'throughput-facts' });
  replace(body, h('section', { class: 'card' }, h('h2', {}, 'Records per second'), chart, facts,
    h('p', { class: 'muted small' }, `Sampled every ${pollMs / 1000} s while this page is open: in = the growth of the high watermarks, `,
      'out = the growth of the offsets committed by every group on this topic.')));
  poll(async () => {
    const [fresh, groups] = await Promise.all([api.topic(topic.name), groupsOf(topic.name)]);
    const t = Date.now();
    const hw = fresh.partitions.reduce((s, p) => s + p.highWatermark, 0);
    const committed = groups.reduce((s, g) => s + g.offsets.reduce((x, o) => x + o.offset, 0), 0);
    produced.push({ t, v: hw });
    consumed.push({ t, v: committed });
    if (produced.length > 300) { produced.shift(); consumed.shift(); }
    replace(chart, lineChart([
      { name: 'in', cls: 'in', points: f.rates(produced) },
      { name: 'out', cls: 'out', points: f.rates(consumed) },
    ], { format: f.formatRate, title: topic.name }));
    facts.textContent = `high watermarks ${f.formatCount(hw)} · committed by ${groups.length} group${groups.length === 1 ? '' : 's'}: ${f.formatCount(committed)}`;
  });
}

// ---- consumer groups ------------------------------------------------------------------------------

async function groupsView() {
  loading();
  const { groups } = await api.groups();
  const details = await Promise.all(groups.map(g => api.groupOffsets(g.group).catch(() => null)));
  const rows = groups.map((g, i) => {
    const offsets = details[i]?.offsets ?? [];
    return h('tr', { dataset: { group: g.group } },
      h('td', {}, h('a', { href: `#/groups/${encodeURIComponent(g.group)}` }, g.group)),
      h('td', {}, [...new Set(offsets.map(o => o.topic))].join(', ')),
      h('td', { class: 'num' }, offsets.length),
      h('td', { class: 'num lag' }, f.formatCount(offsets.reduce((s, o) => s + o.lag, 0))),
      h('td', { class: 'actions' }, h('button', { type: 'button', class: 'danger small', onclick: () => deleteGroup(g.group) }, 'Delete')));
  });
  replace(view, h('h1', {}, 'Consumer groups'),
    groups.length ? table(['Group', 'Topics', 'Partitions', 'Lag', ''], rows, { id: 'groups', class: 'grid' })
      : h('p', { class: 'muted', id: 'groups' }, 'No group has committed an offset yet.'));
}

async function deleteGroup(group) {
  const yes = await confirmAction({ title: `Delete group ${group}?`, body: h('p', {}, 'Its committed offsets are forgotten.'), expected: group, ok: 'Delete group' });
  if (!yes) return;
  await run(null, async () => {
    await api.deleteGroup(group);
    notice(`Group ${group} deleted.`);
    if (location.hash === '#/groups') render(); else location.hash = '#/groups';
  });
}

async function groupView(group) {
  loading();
  const first = await api.groupOffsets(group);
  const samples = [];
  const offsetsBox = h('div', { id: 'group-offsets' });
  const membersBox = h('section', { class: 'card', id: 'group-members' });
  const chart = h('div', { id: 'lag-chart' });
  const topicsOfGroup = [...new Set(first.offsets.map(o => o.topic))];
  const { topics } = await api.topics();
  const names = [...new Set([...topicsOfGroup, ...topics.map(t => t.name)])];
  const topicSelect = h('select', { id: 'reset-topic' }, names.map(n => h('option', { value: n }, n)));
  const to = h('select', { id: 'reset-to' }, [['earliest', 'the earliest offset'], ['latest', 'the latest offset'], ['timestamp', 'a timestamp'], ['offset', 'an exact offset']]
    .map(([v, l]) => h('option', { value: v }, l)));
  const at = h('input', { id: 'reset-value', placeholder: 'offset, or a time (ISO or ms)', hidden: true });
  to.addEventListener('change', () => { at.hidden = to.value === 'earliest' || to.value === 'latest'; });
  const resetButton = h('button', { type: 'submit', id: 'reset-submit' }, 'Reset offsets…');

  const resetForm = h('form', {
    class: 'card inline', id: 'reset-form', onsubmit: e => {
      e.preventDefault();
      run(resetButton, async () => {
        const topicName = topicSelect.value;
        const description = await api.topic(topicName);
        const targets = [];
        for (const p of description.partitions) {
          let offset;
          if (to.value === 'offset') {
            if (!/^\d+$/.test(at.value.trim())) throw new Error(`"${at.value}" is not an offset.`);
            offset = Number(at.value.trim());
          } else {
            let where = to.value;
            if (where === 'timestamp') {
              where = /^\d+$/.test(at.value.trim()) ? Number(at.value.trim()) : Date.parse(at.value.trim());
              if (Number.isNaN(where)) throw new Error(`"${at.value}" is not a time.`);
            }
            offset = (await api.offsetAt(topicName, p.partition, where)).offset ?? p.highWatermark;
          }
          targets.push({ topic: topicName, partition: p.partition, offset });
        }
        const current = new Map((await api.groupOffsets(group, topicName).catch(() => ({ offsets: [] }))).offsets.map(o => [o.partition, o.offset]));
        const yes = await confirmAction({
          title: `Reset offsets of group ${group} on ${topicName}?`,
          body: [h('p', {}, 'The group will read from these offsets. Members still running go on from their own positions and may commit over them.'),
            table(['Partition', 'Committed', 'New offset'], targets.map(x => [x.partition, current.has(x.partition) ? current.get(x.partition) : '—', x.offset]), { class: 'grid numbers', id: 'reset-preview' })],
          ok: 'Reset offsets',
        });
        if (!yes) return;
        await api.commit(group, targets);
        notice(`Offsets of ${group} on ${topicName} reset.`);
      });
    },
  }, h('h2', {}, 'Reset offsets'), field('Topic', topicSelect), field('To', to), at, resetButton);

  replace(view,
    h('div', { class: 'title-row' },
      h('h1', {}, h('a', { href: '#/groups', class: 'crumb' }, 'Consumer groups'), ' / ', h('span', { id: 'group-name' }, group)),
      h('button', { type: 'button', class: 'danger', onclick: () => deleteGroup(group) }, 'Delete group')),
    membersBox,
    offsetsBox,
    h('section', { class: 'card' }, h('h2', {}, 'Lag over time'), chart),
    resetForm);

  let answer = first;
  poll(async () => {
    if (samples.length) answer = await api.groupOffsets(group, undefined, { quiet: true });
    showMembers(membersBox, await api.group(group, { quiet: true }));
    const t = Date.now();
    const byTopic = new Map();
    for (const o of answer.offsets) byTopic.set(o.topic, (byTopic.get(o.topic) ?? 0) + o.lag);
    samples.push({ t, total: answer.offsets.reduce((s, o) => s + o.lag, 0), byTopic });
    if (samples.length > 300) samples.shift();
    replace(offsetsBox, table(['Topic', 'Partition', 'Committed offset', 'High watermark', 'Lag', 'Metadata'],
      answer.offsets.map(o => h('tr', { dataset: { topic: o.topic, partition: o.partition } },
        h('td', {}, h('a', { href: `#/topics/${encodeURIComponent(o.topic)}/partitions` }, o.topic)),
        h('td', { class: 'num' }, o.partition),
        h('td', { class: 'num committed' }, f.formatCount(o.offset)),
        h('td', { class: 'num' }, f.formatCount(o.offset + o.lag)),
        h('td', { class: 'num lag' }, f.formatCount(o.lag)),
        h('td', {}, o.metadata ?? ''))), { id: 'group-table', class: 'grid' }),
    h('p', { class: 'summary', id: 'group-total' }, `Total lag ${f.formatCount(samples[samples.length - 1].total)}`));
    const topicsNow = [...new Set(samples.flatMap(x => [...x.byTopic.keys()]))];
    replace(chart, lineChart([
      { name: 'total', cls: 'total', points: samples.map(x => ({ t: x.t, v: x.total })) },
      ...(topicsNow.length > 1 ? topicsNow.map((n, i) => ({ name: n, cls: `s${i % 4}`, points: samples.map(x => ({ t: x.t, v: x.byTopic.get(n) ?? 0 })) })) : []),
    ], { format: v => f.formatCount(Math.round(v)), title: `lag of ${group}` }));
  });
}

/** A group's live members: what each subscribes to, owns now and is to own (the REST API's group description). */
function showMembers(box, description) {
  const parts = list => list.length ? list.map(p => `${p.topic}/${p.partition}`).join(', ') : '—';
  replace(box,
    h('h2', {}, 'Members'),
    h('p', { class: 'summary', id: 'group-state' }, `${description.state} · generation ${description.generation} · ` +
      `${description.members.length} member${description.members.length === 1 ? '' : 's'}`),
    description.members.length
      ? table(['Member', 'Topics', 'Assigned', 'Target', 'Session until'], description.members.map(m => h('tr', { dataset: { member: m.memberId } },
        h('td', { class: 'mono' }, m.memberId),
        h('td', {}, m.topics.join(', ')),
        h('td', { class: 'assigned' }, parts(m.assigned)),
        h('td', { class: 'target' }, parts(m.target)),
        h('td', {}, f.formatTime(m.expiresAt)))), { id: 'members-table', class: 'grid' })
      : h('p', { class: 'muted', id: 'members-table' }, 'No live member: members join through the REST API or the SDK\'s consumer with a group; what the group committed is below.'));
}

// ---- start ----------------------------------------------------------------------------------------

showEndpoint();
if (!location.hash) history.replaceState(null, '', '#/topics');
render();
