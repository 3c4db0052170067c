// cardloop console: the signed-in staff member's summary e-mails (the
// nightly summary and the weekly digest), turned off and on
// (GET/PUT /api/v1/me/digests). It stands alone beside app.js: it reads the
// same sign-in token and the same words, and shows nothing when signed out.
'use strict';
(async function () {
  const root = document.getElementById('digest-settings');
  const token = sessionStorage.getItem('cardloop.idToken');
  if (!root || !token) return;
  const wanted = new URLSearchParams(location.search).get('lang') || navigator.language || 'en';
  const msgs = await fetch('/console/messages.json?lang=' + encodeURIComponent(wanted)).then((r) => r.json()).catch(() => ({}));
  const t = (k) => msgs[k] || k;
  const headers = { Authorization: 'Bearer ' + token, 'Accept-Language': msgs.lang || 'en' };
  const r = await fetch('/api/v1/me/digests', { headers }).catch(() => null);
  if (!r || !r.ok) return;
  const prefs = await r.json();

  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const k of kids) e.append(k); // text, never HTML
    return e;
  };
  // Each box says what is sent when it is ticked; the API keeps what is off.
  const box = (id, key, checked) => {
    const input = el('input', { type: 'checkbox', id });
    input.checked = checked;
    return [input, el('label', { for: id, class: 'check' }, input, ' ', t(key))];
  };
  const [all, allLabel] = box('dg-all', 'console.digests.all', !prefs.digestsOff);
  const [nightly, nightlyLabel] = box('dg-nightly', 'console.digests.nightly', !prefs.nightlyOff);
  const [weekly, weeklyLabel] = box('dg-weekly', 'console.digests.weekly', !prefs.weeklyOff);
  const sync = () => { nightly.disabled = weekly.disabled = !all.checked; };
  all.addEventListener('change', sync);
  sync();
  const note = el('p', { role: 'status', 'aria-live': 'polite', id: 'dg-status' });
  const save = el('button', { type: 'submit', id: 'dg-save' }, t('console.digests.save'));
  const form = el('form', { id: 'dg-form' },
    el('fieldset', {}, el('legend', { class: 'sr' }, t('console.digests.title')), allLabel, el('br'), nightlyLabel, el('br'), weeklyLabel),
    save, note);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    const body = JSON.stringify({ digestsOff: !all.checked, nightlyOff: !nightly.checked, weeklyOff: !weekly.checked });
    const res = await fetch('/api/v1/me/digests', { method: 'PUT', headers: Object.assign({ 'Content-Type': 'application/json' }, headers), body }).catch(() => null);
    note.textContent = res && res.ok ? t('console.digests.saved') : t('console.digests.failed');
    note.className = res && res.ok ? '' : 'error';
    save.disabled = false;
  });
  root.replaceChildren(el('details', {}, el('summary', {}, t('console.digests.title')), form));
  root.setAttribute('aria-label', t('console.digests.title'));
  root.hidden = false;
})();
