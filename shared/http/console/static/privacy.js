// cardloop console: the Privacy view (operations and admin). app.js calls
// window.cardloopPrivacy once signed in, with its helpers; show() renders
// #privacy: the open data requests with their due dates (overdue first, in
// the store's time), a form that answers a diner's request (look up,
// export, correct, erase — each with a reason) through the staff API, and,
// for admins, the month's audit trail (who, what, when, why).
'use strict';
window.cardloopPrivacy = function ({ root, api, t, el, lang, me, stores, status }) {
  const isAdmin = (me.groups || []).includes('admin');
  const storeOf = (id) => stores.find((s) => s.id === id) || {};
  const when = (iso, tz) => new Intl.DateTimeFormat(lang, { timeZone: tz || undefined, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
  const field = (id, label, input) => el('div', { class: 'field' }, el('label', { for: id }, label), input);
  const headRow = (...keys) => el('thead', {}, el('tr', {}, ...keys.map((k) => el('th', { scope: 'col' }, t(k)))));

  // Open requests.
  const openBody = el('tbody', { id: 'pv-open-rows' });
  const openNone = el('p', { id: 'pv-open-none', hidden: '' }, t('console.privacy.open.none'));
  const openTable = el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'pv-open' },
    headRow('console.privacy.col.due', 'console.privacy.col.kind', 'console.privacy.col.store', 'console.privacy.col.step', 'console.privacy.col.id'), openBody));
  async function loadOpen() {
    const { requests } = await api('/api/v1/privacy/requests');
    const now = Date.now();
    const overdue = (r) => Date.parse(r.dueAt) < now;
    requests.sort((a, b) => (overdue(b) - overdue(a)) || (Date.parse(a.dueAt) - Date.parse(b.dueAt)));
    openBody.replaceChildren(...requests.map((r) => {
      const tz = storeOf(r.storeId).timeZone;
      const due = el('td', {}, when(r.dueAt, tz) + (tz ? ' (' + tz + ')' : ''));
      if (overdue(r)) due.append(' ', el('strong', { class: 'error' }, t('console.privacy.overdue')));
      const resume = el('button', { type: 'button', class: 'secondary' }, t('console.privacy.resume'));
      resume.addEventListener('click', async () => {
        resume.disabled = true;
        try { await api('/api/v1/privacy/requests/' + encodeURIComponent(r.id) + '/resume', 'POST'); await loadOpen(); } catch (e) { status(e.message, true); resume.disabled = false; }
      });
      return el('tr', { 'data-request': r.id }, due, el('td', {}, t('console.privacy.kind.' + r.kind)),
        el('td', {}, r.storeId || '–'), el('td', {}, r.step || ''), el('td', {}, r.id, ' ', r.kind === 'erase' || r.kind === 'retention' ? resume : null));
    }));
    openNone.hidden = requests.length > 0;
  }

  // Answer a request.
  const action = el('select', { id: 'pv-action', name: 'action' });
  for (const a of ['lookup', 'export', 'correct', 'erase']) action.append(el('option', { value: a }, t('console.privacy.do.' + a)));
  const phone = el('input', { type: 'tel', id: 'pv-phone', name: 'phone', autocomplete: 'off' });
  const region = el('select', { id: 'pv-region', name: 'region' });
  for (const r of ['TW', 'CN', 'SG']) region.append(el('option', { value: r }, r));
  const email = el('input', { type: 'email', id: 'pv-email', name: 'email', autocomplete: 'off' });
  const reason = el('input', { type: 'text', id: 'pv-reason', name: 'reason', maxlength: '200', required: '' });
  const changes = el('textarea', { id: 'pv-changes', name: 'changes', rows: '2' });
  const changesField = field('pv-changes', t('console.privacy.changes'), changes);
  changesField.hidden = true;
  action.addEventListener('change', () => { changesField.hidden = action.value !== 'correct'; });
  const out = el('pre', { id: 'pv-result', class: 'panel', hidden: '', tabindex: '0', 'aria-label': t('console.privacy.result') });
  const outStatus = el('p', { id: 'pv-status', role: 'status', 'aria-live': 'polite' });
  const form = el('form', { id: 'pv-form', class: 'panel', novalidate: '' },
    el('h3', {}, t('console.privacy.ask')),
    el('div', { class: 'row' }, field('pv-action', t('console.privacy.action'), action), field('pv-phone', t('console.privacy.phone'), phone),
      field('pv-region', t('console.privacy.region'), region), field('pv-email', t('console.privacy.email'), email),
      field('pv-reason', t('console.privacy.reason'), reason)),
    changesField,
    el('button', { type: 'submit', id: 'pv-submit' }, t('console.privacy.submit')), outStatus, out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const who = phone.value.trim() ? { phone: phone.value.trim(), region: region.value } : { email: email.value.trim() };
    if (action.value === 'erase' && !window.confirm(t('console.privacy.eraseConfirm'))) return;
    outStatus.textContent = t('console.loading'); outStatus.className = '';
    try {
      let res;
      if (action.value === 'lookup') res = await api('/api/v1/privacy/lookup', 'POST', who);
      else {
        const body = Object.assign({ kind: action.value, reason: reason.value.trim() }, who);
        if (action.value === 'correct') body.changes = JSON.parse(changes.value || '{}');
        res = await api('/api/v1/privacy/requests', 'POST', body);
      }
      out.textContent = JSON.stringify(res, null, 2); out.hidden = false;
      outStatus.textContent = t('console.privacy.done');
      await loadOpen();
    } catch (e) {
      out.hidden = true;
      outStatus.className = 'error';
      outStatus.textContent = e.fields && e.fields.length ? e.fields.map((f) => f.message).join(' ') : e.message;
    }
  });

  // The audit trail (admins).
  const month = el('input', { type: 'month', id: 'pv-month', name: 'month', value: new Date().toISOString().slice(0, 7) });
  const auditBody = el('tbody', { id: 'pv-audit-rows' });
  const auditNone = el('p', { id: 'pv-audit-none', hidden: '' }, t('console.privacy.audit.none'));
  const auditForm = el('form', { id: 'pv-audit-form', class: 'filters' }, field('pv-month', t('console.privacy.month'), month),
    el('button', { type: 'submit' }, t('console.privacy.audit.show')));
  const detail = (d) => Object.entries(d || {}).map(([k, v]) => k + ': ' + v).join(' · ');
  async function loadAudit() {
    const { entries } = await api('/api/v1/privacy/audit?month=' + encodeURIComponent(month.value));
    auditBody.replaceChildren(...entries.map((e) => el('tr', { 'data-action': e.action },
      el('td', {}, when(e.at)), el('td', {}, e.by), el('td', {}, e.action + (e.requestId ? ' · ' + e.requestId : '')), el('td', {}, detail(e.detail)))));
    auditNone.hidden = entries.length > 0;
  }
  auditForm.addEventListener('submit', async (ev) => { ev.preventDefault(); try { await loadAudit(); } catch (e) { status(e.message, true); } });
  const audit = isAdmin ? el('section', { class: 'panel', 'aria-labelledby': 'pv-audit-h' },
    el('h3', { id: 'pv-audit-h' }, t('console.privacy.audit')), auditForm,
    el('div', { class: 'table-wrap' }, el('table', { class: 'list', id: 'pv-audit' },
      headRow('console.privacy.col.at', 'console.privacy.col.by', 'console.privacy.col.what', 'console.privacy.col.why'), auditBody)), auditNone) : null;

  root.replaceChildren(
    el('div', { class: 'bar' }, el('h2', {}, t('console.privacy.title'))),
    el('section', { class: 'panel', 'aria-labelledby': 'pv-open-h' }, el('h3', { id: 'pv-open-h' }, t('console.privacy.open')), openTable, openNone),
    form, audit);

  return {
    async show() {
      status(t('console.loading'));
      try {
        await Promise.all([loadOpen(), isAdmin ? loadAudit() : null]);
        status('');
      } catch (e) { status(e.status === 403 ? t('console.forbidden') : e.message, true); }
    },
  };
};
