// cardloop console: the Cases inbox (issue 13). app.js calls
// window.cardloopCases once signed in, with its helpers; show(hash) renders
//   #cases          a store's open, overdue or resolved cases — the oldest
//                   overdue first, each with its SLA countdown in store
//                   time — and search by phone, name, card id or comment
//                   words (GET /api/v1/stores/{id}/inbox, …/cases/search);
//   #case/{id}      a case's record in sentences, its cards (each once),
//                   and, for the staff who work it, the call form (Listen,
//                   Apologise, Solve, Thank), resolve, reopen and assign;
//   #card/{id}      one card, linked to its case.
// A case, card or store that is not the reader's, or does not exist, is
// said so in their language, with their own stores offered (notYours).
'use strict';
window.cardloopCases = function ({ root, api, t, el, lang, me, stores, status }) {
  const storeName = (s) => (s.name && (s.name[lang] || s.name.en)) || s.id;
  const storeOf = (id) => stores.find((s) => s.id === id) || {};
  // when is an instant in the store's time, written as the case page and
  // the e-mails write it: 2026-11-21 14:05.
  const when = (iso, tz) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: tz || undefined, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
    return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute;
  };
  // The reasons of a case, in a list: Chinese with its full-width
  // semicolon, English with its own.
  const joinReasons = (rs) => rs.join(lang.startsWith('zh') ? '；' : '; ');
  const field = (id, label, control, hint) => el('div', { class: 'field' }, el('label', { for: id }, label), hint ? el('p', { class: 'hint', id: id + '-hint' }, hint) : null, control);

  // The store: the address's ?store= when it is one of the reader's, else
  // the first of theirs (app.js says when it is not theirs).
  const wanted = new URLSearchParams(location.search).get('store');
  let store = stores.some((s) => s.id === wanted) ? wanted : stores[0].id;
  let view = 'open';
  let query = '';
  let cursor = '';

  // duration says a span of milliseconds in words: days and hours, hours
  // and minutes, or minutes.
  function duration(ms) {
    const m = Math.max(1, Math.round(Math.abs(ms) / 60000));
    const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
    if (d > 0) return t('console.cases.duration.dh', { d, h });
    if (h > 0) return t('console.cases.duration.hm', { h, m: m % 60 });
    return t('console.cases.duration.m', { m });
  }
  // sla is the countdown of a case: time left to call, how long overdue,
  // or that the guest was reached; it is refreshed every minute.
  function sla(k) {
    const span = el('span', { class: 'sla', 'data-due': k.dueAt });
    if (k.status === 'resolved' || k.firstContactAt) {
      span.textContent = t('console.cases.due.met');
      span.dataset.due = '';
    } else if (k.noContact) {
      span.textContent = t('console.cases.due.noContact');
      span.dataset.due = '';
    } else tick(span);
    return span;
  }
  // skew is the server's clock less the browser's, from the last answer:
  // a countdown does not trust a phone's clock.
  let skew = 0;
  const clock = (r) => { if (r && r.now) skew = Date.parse(r.now) - Date.now(); };
  function tick(span) {
    const left = Date.parse(span.dataset.due) - (Date.now() + skew);
    span.textContent = left > 0 ? t('console.cases.due.in', { t: duration(left) }) : t('console.cases.due.over', { t: duration(left) });
    span.classList.toggle('over', left <= 0);
  }
  setInterval(() => document.querySelectorAll('.sla[data-due]:not([data-due=""])').forEach(tick), 60000);

  const severity = (s) => el('span', { class: 'badge sev-' + s }, t('case.severity.' + s));
  const statusBadge = (s) => el('span', { class: 'badge st-' + s }, t('case.status.' + s));

  // notYours says that a store, case or card is not the reader's (403) or
  // does not exist (404), from the API's problem document, and offers the
  // reader's own stores.
  function notYours(e, kind, id) {
    const body = e.body || {};
    const text = body.detail || t((e.status === 403 ? 'console.notYours.' : 'console.missing.') + kind, { id });
    const list = el('ul', { class: 'storelinks' });
    for (const s of (body.stores && body.stores.length ? body.stores : stores.map((x) => ({ id: x.id, name: storeName(x) })))) {
      list.append(el('li', {}, el('a', { href: '?lang=' + lang + '&store=' + encodeURIComponent(s.id) + '#cases' }, s.id + ' · ' + s.name)));
    }
    return el('section', { class: 'panel elsewhere', role: 'alert', id: 'k-elsewhere' },
      el('h2', {}, body.title || t(e.status === 403 ? 'problem.not_yours' : 'problem.no_such')),
      el('p', {}, text), el('p', {}, t('console.yourStores')), list);
  }
  const failed = (e, kind, id) => {
    if (e.status === 403 || e.status === 404) { root.replaceChildren(notYours(e, kind, id)); status(''); return; }
    status(e.message, true);
  };

  // The inbox.
  const storeSel = el('select', { id: 'k-store', name: 'store' });
  for (const s of stores) storeSel.append(el('option', { value: s.id }, s.id + ' · ' + storeName(s)));
  const search = el('input', { type: 'search', id: 'k-q', name: 'q', autocomplete: 'off', 'aria-describedby': 'k-q-hint', maxlength: '200' });
  const clear = el('button', { type: 'button', class: 'secondary', id: 'k-clear', hidden: '' }, t('console.cases.search.clear'));
  const form = el('form', { id: 'k-search', class: 'filters', role: 'search' },
    field('k-store', t('console.store'), storeSel),
    field('k-q', t('console.cases.search'), search, t('console.cases.search.hint')),
    el('button', { type: 'submit' }, t('console.cases.search.button')), clear);
  const views = el('div', { class: 'segmented', id: 'k-views', role: 'group', 'aria-label': t('console.cases.views') });
  const viewBtn = {};
  for (const v of ['open', 'overdue', 'resolved']) {
    viewBtn[v] = el('button', { type: 'button', class: 'secondary', 'data-view': v, 'aria-pressed': 'false' }, t('console.cases.view.' + v));
    viewBtn[v].addEventListener('click', () => { view = v; query = ''; search.value = ''; loadInbox(false); });
    views.append(viewBtn[v]);
  }
  const summary = el('p', { id: 'k-summary', role: 'status', 'aria-live': 'polite' });
  const list = el('ol', { id: 'k-list', class: 'caselist' });
  const more = el('button', { type: 'button', id: 'k-more', class: 'secondary', hidden: '' }, t('console.more'));
  const inbox = el('div', { id: 'k-inbox' },
    el('div', { class: 'bar' }, el('h2', {}, t('console.cases.title'))), form, views, summary, list, more);

  storeSel.addEventListener('change', () => { store = storeSel.value; query = ''; search.value = ''; loadInbox(false); });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); query = search.value.trim(); query ? loadSearch() : loadInbox(false); });
  clear.addEventListener('click', () => { query = ''; search.value = ''; loadInbox(false); search.focus(); });
  more.addEventListener('click', () => loadInbox(true));

  function caseItem(k) {
    const tz = storeOf(k.storeId).timeZone;
    const guest = k.dinerName || t('case.anonymous');
    const title = el('a', { href: '#case/' + encodeURIComponent(k.id), class: 'casetitle' }, guest + (k.dinerPhone ? ' · ' + k.dinerPhone : ''));
    const due = el('p', { class: 'meta' },
      el('span', {}, t('case.due') + ' ' + when(k.dueAt, tz) + (tz ? ' (' + tz + ')' : '')), ' ', sla(k));
    const tags = el('p', { class: 'meta' }, severity(k.severity), statusBadge(k.status),
      k.escalationLevel > 0 ? el('span', { class: 'badge escalated' }, t('case.escalated')) : null,
      el('span', {}, k.assignedTo ? t('console.cases.assignedTo', { who: k.assignedTo }) : t('console.cases.unassigned')));
    const li = el('li', { class: 'caseitem' + (k.overdue ? ' overdue' : ''), 'data-case': k.id }, el('h3', {}, title), tags, due);
    if (k.reasons && k.reasons.length) li.append(el('p', { class: 'reasons' }, joinReasons(k.reasons)));
    return li;
  }
  let seq = 0;
  async function loadInbox(append) {
    const mine = ++seq;
    if (!append) cursor = '';
    for (const [v, b] of Object.entries(viewBtn)) b.setAttribute('aria-pressed', String(v === view && !query));
    clear.hidden = true;
    status(t('console.loading'));
    try {
      const r = await api('/api/v1/stores/' + encodeURIComponent(store) + '/inbox?view=' + view + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      if (mine !== seq) return;
      clock(r);
      viewBtn.open.textContent = t('console.cases.view.open') + ' (' + r.counts.open + ')';
      viewBtn.overdue.textContent = t('console.cases.view.overdue') + ' (' + r.counts.overdue + ')';
      if (!append) list.replaceChildren();
      list.append(...r.cases.map(caseItem));
      cursor = r.nextCursor || '';
      more.hidden = !cursor;
      summary.textContent = list.children.length ? '' : t('console.cases.none.' + view);
      status('');
    } catch (e) { if (mine === seq) failed(e, 'store', store); }
  }
  async function loadSearch() {
    const mine = ++seq;
    for (const b of Object.values(viewBtn)) b.setAttribute('aria-pressed', 'false');
    status(t('console.loading'));
    try {
      const r = await api('/api/v1/stores/' + encodeURIComponent(store) + '/cases/search?q=' + encodeURIComponent(query));
      if (mine !== seq) return;
      clock(r);
      list.replaceChildren(...r.cases.map(caseItem));
      more.hidden = true;
      clear.hidden = false;
      summary.textContent = r.cases.length ? t('console.cases.search.results', { q: query, n: r.cases.length }) : t('console.cases.none.search');
      status('');
    } catch (e) {
      if (mine !== seq) return;
      if (e.status === 403 || e.status === 404) { failed(e, 'store', store); return; }
      summary.textContent = e.fields && e.fields.length ? e.fields.map((f) => f.message).join(' ') : e.message;
      status('');
    }
  }

  // A card, as the Cards tab shows it.
  function cardPanel(c, tz) {
    const ratings = el('ul', { class: 'ratings', 'aria-label': t('console.ratings') });
    for (const [item, v] of Object.entries(c.ratings || {})) {
      const li = el('li', { class: v <= 2 ? 'low' : '' }, t('console.item.' + item) + ' ' + v);
      if (v <= 2) li.append(' ', el('span', {}, '(' + t('console.low') + ')'));
      ratings.append(li);
    }
    const meta = el('p', { class: 'meta' }, el('span', {}, c.when || when(c.submittedAt, tz)),
      c.table ? el('span', {}, t('console.table') + ' ' + c.table) : null,
      c.server ? el('span', {}, t('case.server') + ' ' + c.server) : null,
      c.nps != null ? el('span', {}, 'NPS ' + c.nps) : null,
      el('span', {}, t('console.source.' + c.source)));
    const art = el('article', { class: 'card', id: 'card-' + c.id, 'data-card': c.id }, meta, ratings);
    if (c.comment) art.append(el('p', { class: 'comment' }, c.comment));
    return art;
  }

  // A case's record.
  async function showCase(id) {
    status(t('console.loading'));
    let v;
    try { v = await api('/api/v1/cases/' + encodeURIComponent(id)); } catch (e) { failed(e, 'case', id); return; }
    renderCase(v);
    status('');
  }
  function renderCase(v, note) {
    const k = v.case, tz = v.store.timeZone;
    const guest = k.dinerName || t('case.anonymous');
    const back = el('p', {}, el('a', { href: '#cases', id: 'k-back' }, '← ' + t('console.cases.back')));
    const facts = el('dl', { class: 'facts' });
    const fact = (label, ...value) => facts.append(el('div', {}, el('dt', {}, label), el('dd', {}, ...value)));
    fact(t('case.diner'), guest + (k.dinerPhone ? ' · ' + k.dinerPhone : ''));
    fact(t('case.status'), statusBadge(k.status), ' ', severity(k.severity), k.escalationLevel > 0 ? ' ' + t('case.level.' + Math.min(k.escalationLevel, 2)) : '');
    fact(t('case.due'), when(k.dueAt, tz) + ' (' + tz + ') · ', sla(k));
    fact(t('case.assignedTo'), k.assignedTo || t('console.cases.unassigned'));
    if (v.reasons.length) fact(t('case.reasons'), joinReasons(v.reasons));
    const head = el('section', { class: 'panel', 'aria-labelledby': 'k-case-h' },
      el('h2', { id: 'k-case-h' }, guest + ' · ' + v.store.id + ' ' + v.store.name), facts);
    if (k.noContact) head.append(el('p', { class: 'error' }, t('case.noContact')));
    const msg = el('p', { id: 'k-msg', role: 'status', 'aria-live': 'polite', class: note ? 'form-msg ok' : 'form-msg' }, note || '');

    const cards = el('section', { class: 'panel', 'aria-labelledby': 'k-cards-h' }, el('h2', { id: 'k-cards-h' }, t('console.cases.cards') + ' (' + v.cards.length + ')'));
    for (const c of v.cards) {
      const p = cardPanel(c, tz);
      p.append(el('p', {}, el('a', { href: '#card/' + encodeURIComponent(c.id) }, t('console.cases.card.open'))));
      cards.append(p);
    }

    const trail = el('ol', { id: 'k-trail', class: 'trail' });
    for (const e of v.trail) {
      const li = el('li', { 'data-action': e.action }, el('p', {}, el('time', { datetime: e.at }, e.when), ' · ' + e.text));
      if (e.fields && e.fields.length) {
        li.append(el('dl', {}, ...e.fields.map((f) => el('div', { 'data-field': f.key }, el('dt', {}, f.label), el('dd', {}, f.value)))));
      }
      trail.append(li);
    }
    const record = el('section', { class: 'panel', 'aria-labelledby': 'k-record-h' }, el('h2', { id: 'k-record-h' }, t('console.cases.record')),
      v.trail.length ? trail : el('p', {}, t('case.trail.none')));

    const work = v.canWork ? workForms(v, msg) : el('p', { class: 'hint' }, t('console.cases.readOnly'));
    root.replaceChildren(el('div', { id: 'k-case', 'data-case': k.id, 'data-version': String(k.version) }, back, head, msg, work, cards, record));
  }

  // The forms that work a case, each posting in the reader's name on the
  // version they saw; the answer is the record again.
  function workForms(v, msg) {
    const k = v.case;
    const out = el('section', { class: 'panel', 'aria-labelledby': 'k-work-h' }, el('h2', { id: 'k-work-h' }, t('console.cases.work')));
    // send posts; an idempotent request (an assignment) that meets a 503 is
    // sent again after a pause, twice at most. An action is not (it names
    // the version it saw, which its own first attempt may have moved on):
    // its 503 is shown and the record read again, to show what was saved.
    const send = async (path, body, button, done, idempotent) => {
      button.disabled = true;
      msg.className = 'form-msg'; msg.textContent = t('console.loading');
      for (let attempt = 0; ; attempt++) {
        try {
          const next = await api(path, 'POST', body);
          renderCase(next, done(next));
          return;
        } catch (e) {
          if (e.status === 503 && idempotent && attempt < 2) {
            await new Promise((ok) => setTimeout(ok, 2000));
            continue;
          }
          button.disabled = false;
          msg.className = 'form-msg error';
          msg.textContent = e.status === 409 ? t('case.page.stale')
            : e.status === 503 ? (e.detail || e.message)
              : (e.fields && e.fields.length ? e.fields.map((f) => f.message).join(' ') : e.message);
          if (e.status === 409 || e.status === 503) setTimeout(() => showCase(k.id), 3000);
          return;
        }
      }
    };
    const act = (body, button) => send('/api/v1/cases/' + encodeURIComponent(k.id) + '/actions', Object.assign({ version: k.version }, body), button, () => t('case.page.saved'), false);

    if (k.status === 'open') {
      const ack = el('button', { type: 'button', id: 'k-ack' }, t('case.acknowledge'));
      ack.addEventListener('click', () => act({ action: 'acknowledge' }, ack));
      out.append(el('p', {}, ack));
    }
    if (k.status !== 'resolved') {
      const choice = (name, value, label) => el('label', { class: 'check' }, el('input', { type: 'radio', name, value }), label);
      const outcomes = el('fieldset', { class: 'question', id: 'k-outcome' }, el('legend', {}, t('case.outcome')),
        el('div', { class: 'choices' }, ...v.outcomes.map((o) => choice('outcome', o, t('case.outcome.' + o)))));
      const listened = el('textarea', { id: 'k-listened', name: 'listened', rows: '3', maxlength: '2000' });
      const apology = el('input', { type: 'checkbox', id: 'k-apology', name: 'apologyGiven' });
      const remedyCat = el('select', { id: 'k-remedyCategory', name: 'remedyCategory' }, el('option', { value: '' }, t('console.cases.choose')),
        ...v.remedies.map((r) => el('option', { value: r }, t('case.remedy.' + r))));
      const remedy = el('input', { type: 'text', id: 'k-remedy', name: 'remedy', maxlength: '2000' });
      const satisfied = el('fieldset', { class: 'question', id: 'k-satisfied' }, el('legend', {}, t('case.satisfied')),
        el('div', { class: 'choices' }, ...['yes', 'no', 'unknown'].map((s) => choice('satisfied', s, t('case.satisfied.' + s)))));
      const notes = el('textarea', { id: 'k-notes', name: 'notes', rows: '3', maxlength: '2000' });
      const record = el('button', { type: 'submit', id: 'k-record' }, t('case.recordContact'));
      const contact = el('form', { id: 'k-contact', novalidate: '' }, el('h3', {}, t('case.last')), outcomes,
        field('k-listened', t('case.listened'), listened),
        el('div', { class: 'check-row' }, el('label', { class: 'check', for: 'k-apology' }, apology, t('case.apologyGiven'))),
        field('k-remedyCategory', t('case.remedyCategory'), remedyCat), field('k-remedy', t('case.remedy'), remedy),
        satisfied, field('k-notes', t('case.notes'), notes), record);
      contact.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const picked = (name) => (contact.querySelector('input[name="' + name + '"]:checked') || {}).value || '';
        act({ action: 'contact', outcome: picked('outcome'), listened: listened.value, apologyGiven: apology.checked,
          remedyCategory: remedyCat.value, remedy: remedy.value, satisfied: picked('satisfied'), notes: notes.value }, record);
      });
      const note = el('textarea', { id: 'k-note', name: 'note', rows: '2', maxlength: '2000' });
      const resolve = el('button', { type: 'submit', id: 'k-resolve' }, t('case.resolve'));
      const resolveForm = el('form', { id: 'k-resolve-form' }, field('k-note', t('case.resolveNote'), note), resolve);
      resolveForm.addEventListener('submit', (ev) => { ev.preventDefault(); act({ action: 'resolve', note: note.value }, resolve); });
      out.append(contact, resolveForm);
    } else {
      const reason = el('input', { type: 'text', id: 'k-reopen-note', name: 'note', maxlength: '2000' });
      const reopen = el('button', { type: 'submit', id: 'k-reopen' }, t('case.reopen'));
      const reopenForm = el('form', { id: 'k-reopen-form' }, field('k-reopen-note', t('case.reopenReason'), reason), reopen);
      reopenForm.addEventListener('submit', (ev) => { ev.preventDefault(); act({ action: 'reopen', note: reason.value }, reopen); });
      out.append(reopenForm);
    }
    if (k.status === 'resolved') return out; // reopened first, then assigned
    const who = el('select', { id: 'k-assignee', name: 'assignee' },
      ...v.assignees.map((a) => el('option', { value: a.email }, (a.name ? a.name + ' · ' : '') + a.email + ' (' + t('console.cases.role.' + a.role) + ')')));
    if (k.assignedTo) who.value = k.assignedTo;
    const assign = el('button', { type: 'submit', id: 'k-assign' }, t('console.cases.assign.button'));
    const assignForm = el('form', { id: 'k-assign-form', class: 'row' }, field('k-assignee', t('console.cases.assign'), who), assign);
    assignForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      send('/api/v1/cases/' + encodeURIComponent(k.id) + '/assignment', { assignee: who.value }, assign,
        (next) => t('console.cases.assign.done', { who: next.case.assignedTo }), true);
    });
    out.append(assignForm);
    return out;
  }

  // One card, and its case.
  async function showCard(id) {
    status(t('console.loading'));
    let c;
    try { c = await api('/api/v1/cards/' + encodeURIComponent(id)); } catch (e) { failed(e, 'card', id); return; }
    const tz = storeOf(c.storeId).timeZone;
    const link = c.caseId
      ? el('p', {}, el('a', { href: '#case/' + encodeURIComponent(c.caseId), class: 'button', id: 'k-card-case' }, t('console.cases.link', { status: t('case.status.' + c.caseStatus) })))
      : el('p', { class: 'hint' }, t('console.cases.card.noCase'));
    root.replaceChildren(el('div', { id: 'k-card' }, el('p', {}, el('a', { href: '#cases' }, '← ' + t('console.cases.back'))),
      el('h2', {}, t('console.cases.card') + ' · ' + c.storeId), cardPanel(c, tz), link));
    status('');
  }

  return {
    async show(hash) {
      const [, kind, id] = /^#(case|card)\/(.+)$/.exec(hash) || [];
      if (kind === 'case') return showCase(decodeURIComponent(id));
      if (kind === 'card') return showCard(decodeURIComponent(id));
      if (!root.contains(inbox)) root.replaceChildren(inbox);
      storeSel.value = store;
      return query ? loadSearch() : loadInbox(false);
    },
  };
};
