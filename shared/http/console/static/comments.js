// cardloop console: the Comments view (everyone who sees a store). app.js
// calls window.cardloopComments once signed in, with its helpers; show()
// renders #comments: the chosen store's comments, newest first, filtered by
// score, keyword, meal and source; a paper card's handwritten comment as its
// scan with a form to type it in; and the CSV export of the store's cards
// or cases for the chosen dates.
'use strict';
window.cardloopComments = function ({ root, api, fetchAuth, t, el, lang, stores, status }) {
  const storeName = (s) => (s.name && (s.name[lang] || s.name.en)) || s.id;
  const word = (k, fallback) => { const s = t(k); return s === k ? fallback : s; };
  const blobs = new Set();
  const storeOf = (id) => stores.find((s) => s.id === id) || {};
  const storeDay = (id, d) => new Intl.DateTimeFormat('en-CA', { timeZone: storeOf(id).timeZone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const daysBefore = (day, n) => new Date(Date.parse(day + 'T00:00:00Z') - n * 864e5).toISOString().slice(0, 10);

  const field = (id, label, input) => el('div', { class: 'field' }, el('label', { for: id }, label), input);
  const options = (id, pairs) => {
    const s = el('select', { id, name: id });
    for (const [v, k] of pairs) s.append(el('option', { value: v }, t(k)));
    return s;
  };
  const store = el('select', { id: 'cm-store', name: 'store' });
  for (const s of stores) store.append(el('option', { value: s.id }, s.id + ' · ' + storeName(s)));
  const today = storeDay(store.value, new Date());
  const from = el('input', { type: 'date', id: 'cm-from', name: 'from', value: daysBefore(today, 29) });
  const to = el('input', { type: 'date', id: 'cm-to', name: 'to', value: today });
  const score = options('cm-score', [['', 'console.comments.score.any'], ['low', 'console.comments.score.low'],
    ...[5, 4, 3, 2, 1].map((n) => [String(n), 'console.comments.overall'])]);
  [...score.options].forEach((o, i) => { if (i > 1) o.textContent = t('console.comments.overall', { score: o.value }); });
  const keyword = el('input', { type: 'search', id: 'cm-q', name: 'q', autocomplete: 'off' });
  const meal = options('cm-meal', [['', 'console.comments.meal.any'], ['lunch', 'console.comments.meal.lunch'], ['dinner', 'console.comments.meal.dinner']]);
  const source = options('cm-source', [['', 'console.comments.source.any'], ['qr', 'console.comments.source.qr'], ['scan', 'console.comments.source.scan']]);
  const form = el('form', { id: 'cm-filters', class: 'filters', role: 'search' },
    field('cm-store', t('console.store'), store), field('cm-from', t('console.from'), from), field('cm-to', t('console.to'), to),
    field('cm-score', t('console.comments.score'), score), field('cm-q', t('console.comments.keyword'), keyword),
    field('cm-meal', t('console.comments.meal'), meal), field('cm-source', t('console.comments.source'), source),
    el('button', { type: 'submit', id: 'cm-search' }, t('console.comments.search')));

  const exportOut = el('p', { id: 'cm-export-out', 'aria-live': 'polite' });
  const exportButton = (kind) => {
    const b = el('button', { type: 'button', class: 'secondary', id: 'cm-export-' + kind }, t('console.export.' + kind));
    b.addEventListener('click', () => exportCSV(kind, b));
    return b;
  };
  const exportPanel = el('section', { class: 'panel', 'aria-labelledby': 'cm-export-h' },
    el('h3', { id: 'cm-export-h' }, t('console.export.title')),
    el('div', { class: 'row' }, exportButton('cards'), exportButton('cases')),
    el('p', { class: 'hint' }, t('console.export.note')), exportOut);

  const list = el('div', { id: 'cm-list' });
  const more = el('button', { type: 'button', id: 'cm-more', class: 'secondary', hidden: '' }, t('console.comments.more'));
  root.replaceChildren(
    el('div', { class: 'bar' }, el('h2', {}, t('console.comments.title'))),
    el('p', { class: 'hint' }, t('console.comments.intro')),
    form, exportPanel, list, more);

  const range = () => 'from=' + encodeURIComponent(from.value) + '&to=' + encodeURIComponent(to.value);
  const problemOf = async (r) => {
    const b = await r.json().catch(() => ({}));
    return (b.errors && b.errors.length ? b.errors.map((e) => e.message).join(' ') : '') || b.title || r.statusText;
  };

  // exportCSV downloads the export: a small one comes as the CSV itself, a
  // big one as a link to the bucket, valid for 15 minutes.
  async function exportCSV(kind, button) {
    button.disabled = true;
    exportOut.className = '';
    exportOut.textContent = t('console.export.working');
    try {
      const r = await fetchAuth('/api/v1/stores/' + encodeURIComponent(store.value) + '/export?kind=' + kind + '&' + range());
      if (!r.ok) { exportOut.textContent = await problemOf(r); exportOut.className = 'error'; return; }
      if ((r.headers.get('Content-Type') || '').startsWith('text/csv')) {
        const name = (/filename="?([^";]+)"?/.exec(r.headers.get('Content-Disposition') || '') || [])[1] || kind + '.csv';
        const u = URL.createObjectURL(await r.blob());
        blobs.add(u);
        const a = el('a', { href: u, download: name, id: 'cm-export-file' }, name);
        exportOut.replaceChildren(t('console.export.done', { rows: r.headers.get('X-Export-Rows') || '' }), ' ', a);
        a.click();
        return;
      }
      const j = await r.json();
      exportOut.replaceChildren(t('console.export.done', { rows: j.rows }), ' ',
        el('a', { href: j.url, id: 'cm-export-link', rel: 'noopener' }, t('console.export.link')));
    } catch (e) {
      exportOut.textContent = e.message; exportOut.className = 'error';
    } finally { button.disabled = false; }
  }

  // crop shows the scan of a handwritten comment, fetched with the token.
  function crop(c) {
    if (!c.crop) return el('p', { class: 'hint' }, t('console.comments.noCrop'));
    const img = el('img', { class: 'crop', alt: t('console.comments.cropAlt', { card: c.cardId }) });
    fetchAuth(c.crop)
      .then((resp) => (resp.ok ? resp.blob() : Promise.reject(new Error(String(resp.status)))))
      .then((b) => { const u = URL.createObjectURL(b); blobs.add(u); img.src = u; })
      .catch(() => img.replaceWith(el('p', { class: 'hint' }, t('console.comments.noCrop'))));
    return img;
  }

  function transcribeForm(c, art) {
    const id = 'tx-' + c.cardId;
    const text = el('textarea', { id, name: 'comment', rows: '3', maxlength: '2000', 'aria-describedby': id + '-msg' });
    const msg = el('p', { id: id + '-msg', class: 'form-msg', role: 'status' });
    const save = el('button', { type: 'submit' }, t('console.comments.save'));
    const f = el('form', { class: 'transcribe', 'data-card': c.cardId, novalidate: '' },
      el('label', { for: id }, t('console.comments.transcribe')), text, el('div', { class: 'bar' }, save), msg);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      save.disabled = true;
      msg.className = 'form-msg';
      msg.textContent = '';
      text.removeAttribute('aria-invalid');
      try {
        const res = await api('/api/v1/cards/' + encodeURIComponent(c.cardId) + '/transcription', 'POST', { comment: text.value });
        const done = res.severity
          ? t('console.comments.savedCase', { severity: word('console.comments.severity.' + res.severity, res.severity) })
          : t('console.comments.saved');
        f.replaceWith(el('p', { class: 'comment' }, res.comment), el('p', { class: 'form-msg ok', role: 'status' }, done));
        art.classList.remove('handwritten');
      } catch (e) {
        save.disabled = false;
        msg.className = 'form-msg error';
        if (e.status === 409) { msg.textContent = t('console.comments.already'); return; }
        text.setAttribute('aria-invalid', 'true');
        msg.textContent = (e.fields && e.fields.length ? e.fields.map((x) => x.message).join(' ') : '') || e.message;
      }
    });
    return f;
  }

  function view(c) {
    const overall = (c.ratings || {}).overall;
    const low = overall != null && overall <= 2;
    const when = new Date(c.submittedAt).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });
    const art = el('article', { class: 'card' + (low ? ' low' : '') + (c.handwritten ? ' handwritten' : ''), 'data-card': c.cardId },
      el('p', { class: 'meta' },
        el('span', {}, c.visitDate),
        overall != null ? el('span', {}, t('console.comments.overall', { score: overall }) + (low ? ' (' + t('console.low') + ')' : '')) : null,
        c.meal ? el('span', {}, t('console.comments.meal.' + c.meal)) : null,
        el('span', {}, word('console.comments.source.' + c.source, c.source)),
        el('span', {}, when)));
    if (c.comment) art.append(el('p', { class: 'comment' }, c.comment));
    if (c.caseId) { // the card's case (the Cases tab's record)
      art.append(el('p', {}, el('a', { href: '#case/' + encodeURIComponent(c.caseId), class: 'caselink' },
        t('console.cases.link', { status: t('case.status.' + c.caseStatus) }))));
    }
    if (c.transcribedBy) art.append(el('p', { class: 'hint' }, t('console.comments.transcribed', { by: c.transcribedBy, at: new Date(c.transcribedAt).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' }) })));
    if (c.handwritten) {
      art.append(el('p', { class: 'hint' }, t('console.comments.handwritten')), crop(c), transcribeForm(c, art));
    } else if (c.crop && c.transcribedBy) {
      art.append(crop(c));
    }
    return art;
  }

  let cursor = '', loads = 0;
  async function load(again) {
    const mine = ++loads;
    if (!again) {
      cursor = '';
      for (const u of blobs) URL.revokeObjectURL(u);
      blobs.clear();
    }
    status(t('console.loading'));
    const q = range() + (score.value ? '&score=' + score.value : '') + (keyword.value.trim() ? '&q=' + encodeURIComponent(keyword.value.trim()) : '') +
      (meal.value ? '&meal=' + meal.value : '') + (source.value ? '&source=' + source.value : '') + (again && cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    try {
      const page = await api('/api/v1/stores/' + encodeURIComponent(store.value) + '/comments?' + q);
      if (mine !== loads) return;
      const items = page.comments.map(view);
      if (again) list.append(...items);
      else list.replaceChildren(...(items.length ? items : [el('p', { id: 'cm-none' }, t('console.comments.none'))]));
      cursor = page.nextCursor || '';
      more.hidden = !cursor;
      status('');
    } catch (e) {
      if (mine !== loads) return;
      if (!again) list.replaceChildren();
      more.hidden = true;
      status(e.status === 403 ? t('console.forbidden') : (e.fields && e.fields.length ? e.fields.map((x) => x.message).join(' ') : e.message), true);
    }
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  store.addEventListener('change', () => load(false));
  more.addEventListener('click', () => load(true));

  return { async show() { await load(false); } };
};
