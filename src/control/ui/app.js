// fcmock's dashboard script. It long-polls GET /_fcmock/changes (which answers as soon as
// anything changes, or after 20 s) and redraws the tables from the snapshot it returns; its
// buttons call the documented control routes. Every value is written as text
// (textContent / text nodes), never as markup: session data, return URLs and request
// parameters are whatever a client sent.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const state = { seq: null, view: '', poll: null, clock: null, namespaces: '' };
  const POLL_WAIT_MS = 20000;
  const POLL_GAP_MS = 250;

  // ---------------------------------------------------------------- building blocks

  /** An element with attributes (`text` sets its text) and children (strings become text). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'text') node.textContent = String(value);
      else if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  /** Masks an API key the way fcmock's logs do: `sk_test_****abcd`. */
  function mask(key) {
    if (!key) return '';
    const chars = [...key];
    let seen = 0;
    let prefix = 0;
    for (let i = 0; i < chars.length; i += 1) {
      if (chars[i] === '_' && (seen += 1) === 2) { prefix = i + 1; break; }
    }
    const tail = Math.max(chars.length - 4, prefix);
    return chars.slice(0, prefix).join('') + '*'.repeat(tail - prefix) + chars.slice(tail).join('');
  }

  const dash = '—';
  const code = (text) => el('code', { text: text || dash });
  const badge = (text, kind) => el('span', { class: `status ${kind || text || ''}`, text: text || dash });
  const time = (unix) => `${new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  const stamp = (unix) => el('span', { class: 'nowrap', title: time(unix) }, time(unix).slice(5, 19));
  const statusClass = (status) => `s${String(status).charAt(0)}`;
  const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

  function holder(h) {
    if (!h) return dash;
    return h.customer || h.account || h.type || dash;
  }

  function refreshState(refresh) {
    return refresh ? badge(refresh.status) : dash;
  }

  /** The column labels of a table, for the narrow layout's `data-label`s. */
  function labels(tbody) {
    return [...tbody.closest('table').tHead.rows[0].cells].map((c) => c.textContent);
  }

  /** A row whose cells carry their column's label. */
  function row(tbody, cells) {
    const names = labels(tbody);
    return el('tr', {}, ...cells.map((c, i) => el('td', { 'data-label': names[i] }, c)));
  }

  /**
   * Makes `tbody` show `items` in order. A row whose item did not change is kept as it is
   * (a half-chosen Outcome or an open request stays open), and nodes are moved only when
   * out of place, so focus is not lost to a redraw.
   */
  function sync(id, items, keyOf, build) {
    const tbody = $(`${id}-body`);
    const old = new Map();
    for (const tr of tbody.rows) if (tr.dataset.key) old.set(tr.dataset.key, tr);
    const wanted = [];
    for (const item of items) {
      const key = keyOf(item);
      const sig = JSON.stringify(item);
      let tr = old.get(key);
      if (!tr || tr.dataset.sig !== sig) {
        const fresh = build(item, tbody);
        fresh.dataset.key = key;
        fresh.dataset.sig = sig;
        if (tr && tr.detailRow) fresh.detailRow = tr.detailRow;
        tr = fresh;
      }
      wanted.push(tr);
      if (tr.detailRow) wanted.push(tr.detailRow);
    }
    wanted.forEach((node, i) => {
      if (tbody.children[i] !== node) tbody.insertBefore(node, tbody.children[i] || null);
    });
    while (tbody.children.length > wanted.length) tbody.lastElementChild.remove();
    $(`${id}-empty`).hidden = items.length > 0;
    $(`${id}-count`).textContent = items.length ? `(${items.length})` : '';
  }

  // ---------------------------------------------------------------- messages and calls

  let flashTimer = null;
  function flash(text, bad) {
    const box = $('flash');
    box.textContent = text;
    box.classList.toggle('bad', Boolean(bad));
    box.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { box.hidden = true; }, bad ? 8000 : 4000);
  }

  function live(text, ok) {
    const box = $('live');
    box.textContent = text;
    box.className = `live ${ok ? 'ok' : 'down'}`;
  }

  /** A control-API call: its JSON answer, or an Error with the API's message. */
  async function send(method, path, body) {
    const init = { method, headers: { 'Content-Type': 'application/json' }, cache: 'no-store' };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(path, init);
    let data = null;
    try { data = await res.json(); } catch (_) { data = null; }
    if (!res.ok) {
      throw new Error((data && data.error && data.error.message) || `HTTP ${res.status}`);
    }
    return data;
  }

  /** Runs an action from `button`, saying how it went. */
  async function act(button, work, done) {
    button.disabled = true;
    try {
      flash(done(await work()));
    } catch (e) {
      flash(e.message, true);
    } finally {
      button.disabled = false;
    }
  }

  const outcomeBody = (value) => (value === 'success' || value === 'cancel'
    ? { outcome: value }
    : { outcome: 'failure', failure: value });

  // ---------------------------------------------------------------- tables

  function outcomeOf(s) {
    if (s.status === 'succeeded') return 'success';
    if (s.status === 'cancelled') return 'cancel';
    if (s.status === 'failed') return `failure: ${s.failure || 'api_error'}`;
    if (s.scripted) {
      const f = s.scripted.failure ? `: ${s.scripted.failure}` : '';
      return `scripted ${s.scripted.outcome}${f}`;
    }
    return dash;
  }

  function completeControl(s) {
    if (s.status !== 'pending') return dash;
    const control = $('complete-template').content.firstElementChild.cloneNode(true);
    const select = control.querySelector('select');
    const button = control.querySelector('button');
    button.addEventListener('click', () => act(
      button,
      () => send('POST', `/_fcmock/sessions/${encodeURIComponent(s.id)}/complete`, outcomeBody(select.value)),
      (session) => `Session ${session.id} is ${session.status}.`,
    ));
    return control;
  }

  function sessionRow(s, tbody) {
    const linked = (s.accounts || []).length ? s.accounts.join(', ') : dash;
    return row(tbody, [
      el('span', {}, code(s.id), s.return_url ? el('small', { class: 'muted block', text: `return_url: ${s.return_url}` }) : null),
      badge(s.status), outcomeOf(s), completeControl(s), holder(s.account_holder),
      s.institution || dash, linked, s.api_key_namespace,
    ]);
  }

  function accountRow(a, tbody) {
    return row(tbody, [
      code(a.id), a.api_key_namespace, holder(a.account_holder), a.institution_name || a.institution,
      `${a.display_name || ''} ••••${a.last4 || ''}`, badge(a.status), refreshState(a.balance_refresh),
      refreshState(a.ownership_refresh), refreshState(a.transaction_refresh),
      (a.subscriptions || []).join(', ') || dash,
    ]);
  }

  function refreshRow(r, tbody) {
    const left = r.settles_in_ms > 0 ? `${(r.settles_in_ms / 1000).toFixed(1)} s` : 'due now';
    return row(tbody, [code(r.account), r.api_key_namespace, r.feature, left]);
  }

  function scenarioRow(q, tbody) {
    const s = q.scenario;
    const outcome = s.failure ? `${s.outcome}: ${s.failure}` : s.outcome;
    return row(tbody, [
      outcome, s.institution || (s.outcome === 'success' ? 'test_institution' : dash),
      (s.accounts || []).join(', ') || (s.outcome === 'success' ? 'pre-selected' : dash),
      String(q.remaining), s.api_key ? mask(s.api_key) : 'any', s.auto_complete ? 'yes' : 'no',
    ]);
  }

  function faultRow(q, tbody) {
    const f = q.fault;
    return row(tbody, [
      f.status ? String(f.status) : `delay ${f.delay_ms} ms`, f.method || 'any', code(f.path_prefix),
      String(q.remaining), f.api_key ? mask(f.api_key) : 'any',
    ]);
  }

  function pretty(value) {
    return JSON.stringify(value, null, 2);
  }

  /** Opens or closes a request's parameters and response, below its row. */
  async function toggleRequest(tr, r, button) {
    if (tr.detailRow) {
      tr.detailRow.remove();
      tr.detailRow = null;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    const response = el('pre', { text: 'Loading…' });
    const cell = el('td', { colspan: 7 }, el('div', { class: 'detail-grid' },
      el('div', {}, el('strong', { text: 'Request parameters' }), el('pre', { text: pretty(r.params) })),
      el('div', {}, el('strong', { text: `Response (${r.status})` }), response)));
    tr.detailRow = el('tr', { class: 'detail' }, cell);
    tr.after(tr.detailRow);
    button.setAttribute('aria-expanded', 'true');
    try {
      const detail = await send('GET', `/_fcmock/requests/${encodeURIComponent(r.request_id)}`);
      response.textContent = pretty(detail.response) + (detail.response_truncated ? '\n… (cut)' : '');
    } catch (e) {
      response.textContent = e.message;
    }
  }

  function requestRow(r, tbody) {
    const open = el('button', { type: 'button', class: 'link', 'aria-expanded': 'false', title: r.request_id }, r.path);
    const tr = row(tbody, [
      stamp(r.created), r.method, open, badge(String(r.status), statusClass(r.status)),
      `${(r.duration_us / 1000).toFixed(1)} ms`, r.idempotency_key || dash, r.api_key_namespace || dash,
    ]);
    open.addEventListener('click', () => toggleRequest(tr, r, open));
    return tr;
  }

  function deliveryRow(d, tbody) {
    const last = d.attempts[d.attempts.length - 1];
    const lastStatus = last ? (last.status ? String(last.status) : last.error || 'no answer') : 'not yet';
    const resend = el('button', { type: 'button', class: 'secondary' }, 'Resend');
    resend.addEventListener('click', () => act(
      resend,
      () => send('POST', `/_fcmock/webhooks/deliveries/${d.id}/resend`),
      () => `Resending ${d.event} to ${d.endpoint || 'the --webhook endpoint'}.`,
    ));
    return row(tbody, [
      d.type, code(d.event), el('span', {}, d.endpoint || 'global (--webhook)', el('br'), el('small', { text: d.url })),
      String(d.attempts.length), lastStatus, badge(d.state), resend,
    ]);
  }

  // ---------------------------------------------------------------- the snapshot

  /** Keeps every namespace choice's options in step with the namespaces that exist. */
  function syncNamespaces(namespaces) {
    const sig = JSON.stringify(namespaces.map((n) => n.api_key));
    if (sig === state.namespaces) return;
    state.namespaces = sig;
    for (const select of document.querySelectorAll('select.ns-choice')) {
      const chosen = select.value;
      const first = select.options[0];
      const options = namespaces.map((n) => el('option', { value: n.api_key, text: n.api_key_namespace }));
      select.replaceChildren(first, ...options);
      select.value = [...select.options].some((o) => o.value === chosen) ? chosen : '';
    }
    keyInput();
  }

  function showClock(clock) {
    state.clock = { now: clock.now, frozen: clock.frozen, at: Date.now() };
    tickClock();
  }

  function tickClock() {
    const c = state.clock;
    if (!c) return;
    const now = c.frozen ? c.now : c.now + Math.floor((Date.now() - c.at) / 1000);
    const text = `${time(now)} (${c.frozen ? 'frozen' : 'running'})`;
    $('clock-now').textContent = text;
    $('clock-detail').textContent = text;
  }

  function render(snap) {
    syncNamespaces(snap.namespaces);
    showClock(snap.clock);
    const newestFirst = (list) => list.slice().reverse();
    const sessions = newestFirst(snap.sessions).sort((a, b) => b.created - a.created);
    sync('sessions', sessions, (s) => s.id, sessionRow);
    sync('accounts', newestFirst(snap.accounts), (a) => a.id, accountRow);
    sync('refreshes', snap.refreshes, (r) => `${r.account}/${r.feature}`, refreshRow);
    sync('scenarios', snap.scenarios, (q) => String(q.id), scenarioRow);
    sync('faults', snap.faults, (q) => String(q.id), faultRow);
    sync('requests', newestFirst(snap.requests), (r) => r.request_id, requestRow);
    sync('deliveries', newestFirst(snap.deliveries), (d) => String(d.id), deliveryRow);
  }

  /** The live feed: one long poll after another, a short gap between them. */
  async function poll() {
    for (;;) {
      const view = state.view;
      const query = new URLSearchParams({ timeout_ms: String(POLL_WAIT_MS), limit: '50' });
      if (state.seq !== null) query.set('since', String(state.seq));
      if (view) query.set('api_key', view);
      const controller = new AbortController();
      state.poll = controller;
      try {
        const res = await fetch(`/_fcmock/changes?${query}`, { signal: controller.signal, cache: 'no-store' });
        if (res.status === 401) { live('Token needed: reload the page', false); return; }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const data = await res.json();
        if (view === state.view) {
          state.seq = data.seq;
          render(data.snapshot);
        }
        live('Live', true);
        await sleep(POLL_GAP_MS);
      } catch (_) {
        if (!controller.signal.aborted) {
          live('Reconnecting…', false);
          await sleep(2000);
        }
      }
    }
  }

  // ---------------------------------------------------------------- forms

  function chosenAccounts() {
    const shown = document.querySelector(`#queue-form .choices[data-institution="${CSS.escape($('q-institution').value)}"]`);
    return shown ? [...shown.querySelectorAll('input:checked')].map((i) => i.value) : [];
  }

  function queueForm() {
    const form = $('queue-form');
    const showSuccess = () => { $('q-success').hidden = $('q-outcome').value !== 'success'; };
    $('q-outcome').addEventListener('change', showSuccess);
    showSuccess();
    $('q-institution').addEventListener('change', () => {
      for (const div of form.querySelectorAll('.choices')) div.hidden = div.dataset.institution !== $('q-institution').value;
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = { ...outcomeBody($('q-outcome').value), count: Number($('q-count').value) || 1 };
      if (body.outcome === 'success') {
        body.institution = $('q-institution').value;
        const accounts = chosenAccounts();
        if (accounts.length) body.accounts = accounts;
      }
      if ($('q-namespace').value) body.api_key = $('q-namespace').value;
      if (form.elements.auto_complete.checked) body.auto_complete = true;
      act(form.querySelector('button[type=submit]'), () => send('POST', '/_fcmock/scenarios', body),
        (q) => `Queued ${q.scenario.outcome} for the next ${q.remaining} session(s).`);
    });
  }

  function faultForm() {
    const form = $('fault-form');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = {
        status: Number($('f-status').value),
        path_prefix: $('f-path').value,
        count: Number($('f-count').value) || 1,
      };
      if ($('f-method').value) body.method = $('f-method').value;
      if ($('f-namespace').value) body.api_key = $('f-namespace').value;
      act(form.querySelector('button[type=submit]'), () => send('POST', '/_fcmock/faults', body),
        (q) => `The next ${q.remaining} matching request(s) answer ${q.fault.status}.`);
    });
  }

  function clockForm() {
    const form = $('clock-form');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const seconds = Number($('c-amount').value) * Number($('c-unit').value);
      act(form.querySelector('button'), () => send('POST', '/_fcmock/clock', { advance_seconds: seconds }),
        (clock) => `Mock time is now ${time(clock.now)}.`);
    });
  }

  function resetForm() {
    const form = $('reset-form');
    const confirm = $('reset-confirm');
    const close = () => { confirm.hidden = true; form.querySelector('button[type=submit]').focus(); };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const select = $('r-namespace');
      const what = select.value ? `the namespace ${select.selectedOptions[0].textContent}` : 'everything, in every namespace';
      $('reset-question').textContent = `Reset ${what}? Its objects, queued outcomes, faults and logged requests are deleted.`;
      confirm.hidden = false;
      $('reset-yes').focus();
    });
    $('reset-no').addEventListener('click', close);
    confirm.addEventListener('keydown', (event) => { if (event.key === 'Escape') close(); });
    $('reset-yes').addEventListener('click', () => {
      const key = $('r-namespace').value;
      act($('reset-yes'), () => send('POST', '/_fcmock/reset', key ? { api_key: key } : {}),
        (answer) => { close(); return `Reset ${answer.reset}.`; });
    });
  }

  /** The trigger's key field shows only for "Another key". */
  function keyInput() {
    const other = !$('t-namespace').value;
    $('t-key').hidden = !other;
    document.querySelector('label[for="t-key"]').hidden = !other;
  }

  function triggerForm() {
    const form = $('trigger-form');
    $('t-namespace').addEventListener('change', keyInput);
    keyInput();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = { event: $('t-event').value, api_key: $('t-namespace').value || $('t-key').value.trim() };
      act(form.querySelector('button'), () => send('POST', '/_fcmock/trigger', body), (answer) => {
        $('trigger-result').textContent = `Fired ${answer.event.type} (${answer.event.id}) in ${answer.api_key_namespace}, `
          + `after ${answer.events.length - 1} set-up event(s).`;
        return `Triggered ${answer.event.type}.`;
      });
    });
  }

  function buttons() {
    const settle = $('settle');
    settle.addEventListener('click', () => act(settle, () => send('POST', '/_fcmock/refreshes/settle'),
      (answer) => `Settled ${answer.settled} refresh(es).`));
    const scenarios = $('clear-scenarios');
    scenarios.addEventListener('click', () => act(scenarios, () => send('DELETE', '/_fcmock/scenarios'),
      (answer) => `Removed ${answer.deleted} queued outcome(s).`));
    const faults = $('clear-faults');
    faults.addEventListener('click', () => act(faults, () => send('DELETE', '/_fcmock/faults'),
      (answer) => `Removed ${answer.deleted} fault(s).`));
    $('view-ns').addEventListener('change', () => {
      state.view = $('view-ns').value;
      state.seq = null;
      if (state.poll) state.poll.abort();
    });
  }

  live('Connecting…', true);
  queueForm();
  faultForm();
  clockForm();
  resetForm();
  triggerForm();
  buttons();
  setInterval(tickClock, 1000);
  poll();
})();
