// cardloop console: the review queue of scanned paper cards (everyone who
// sees a store). app.js calls window.cardloopReviews once signed in, with
// its helpers; show(hash) renders #reviews: the chosen store's waiting
// cards, least confident first, each question with its cropped image and
// its candidate values.
'use strict';
window.cardloopReviews = function ({ root, api, fetchAuth, t, el, lang, stores, status }) {
  const storeName = (s) => (s.name && (s.name[lang] || s.name.en)) || s.id;
  // word returns the message of key k, or fallback when there is none.
  const word = (k, fallback) => { const s = t(k); return s === k ? fallback : s; };
  const blobs = new Set(); // object URLs of the crops shown, revoked on leaving
  let storeId = (stores[0] || {}).id;

  const select = el('select', { id: 'r-store', name: 'store' });
  for (const s of stores) select.append(el('option', { value: s.id }, s.id + ' · ' + storeName(s)));
  select.addEventListener('change', () => { storeId = select.value; load(); });
  const list = el('div', { id: 'r-list' });
  const left = el('p', { id: 'r-left', class: 'count', 'aria-live': 'polite' });
  const head = el('div', { class: 'bar' }, el('h2', {}, t('console.review.title')),
    el('label', { class: 'inline' }, el('span', {}, t('console.store') + ' '), select));
  root.replaceChildren(head, paperPanel(), el('p', { class: 'hint' }, t('console.review.intro')),
    el('p', { class: 'hint', id: 'r-keys' }, t('console.review.keys')), left, list);

  // Keyboard: the current card (outlined) takes digits (choose a value in
  // its first open question, or the focused one), Enter (save) and N (next
  // card; Shift+N the previous). Focus stays visible on the chosen value.
  let cur = 0;
  const articles = () => [...list.querySelectorAll('article.review')];
  function counted() {
    const n = articles().length;
    left.textContent = n ? t('console.review.left', { n: String(n) }) : '';
  }
  function setCurrent(i) {
    const all = articles();
    counted();
    if (!all.length) return;
    cur = ((i % all.length) + all.length) % all.length;
    all.forEach((a, j) => { a.classList.toggle('current', j === cur); a.setAttribute('aria-current', j === cur ? 'true' : 'false'); });
    const a = all[cur];
    const open = [...a.querySelectorAll('fieldset.question')].find((f) => !f.querySelector('input:checked') && !(f.querySelector('input.digits') || {}).value);
    const target = open ? (open.querySelector('input.digits') || open.querySelector('input[type=radio]')) : a.querySelector('button[type=submit]');
    (target || a).focus();
    a.scrollIntoView({ block: 'nearest' });
  }
  root.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const tgt = ev.target;
    if (tgt.matches && tgt.matches('input.digits, input[type=number], input[type=file], select, textarea')) return; // typing
    const art = tgt.closest && tgt.closest('article.review');
    const all = articles();
    if (!all.length || !(art || list.contains(tgt) || tgt === document.body || tgt === root)) return;
    const a = art || all[cur];
    if (/^[0-9]$/.test(ev.key)) {
      const qs = [...a.querySelectorAll('fieldset.question')].filter((f) => f.querySelector('input[type=radio]'));
      const q = tgt.closest('fieldset.question') && tgt.closest('fieldset.question').querySelector('input[type=radio]') ? tgt.closest('fieldset.question')
        : (qs.find((f) => !f.querySelector('input:checked')) || qs[0]);
      if (!q) return;
      const radios = [...q.querySelectorAll('input[type=radio]')];
      const r = radios.find((x) => x.value === ev.key) || radios[Number(ev.key) - 1];
      if (!r) return;
      ev.preventDefault();
      r.checked = true;
      const next = qs.slice(qs.indexOf(q) + 1).find((f) => !f.querySelector('input:checked'));
      (next ? next.querySelector('input[type=radio]') : r).focus();
      return;
    }
    if (ev.key === 'Enter' && tgt.tagName !== 'BUTTON') {
      ev.preventDefault();
      a.querySelector('form').requestSubmit();
      return;
    }
    if (ev.key === 'n' || ev.key === 'N') {
      ev.preventDefault();
      setCurrent(all.indexOf(a) + (ev.shiftKey ? -1 : 1));
    }
  });

  // paperPanel prints the store's cards (a PDF download) and uploads its
  // scans, then shows what became of each page as the pipeline reads them.
  function paperPanel() {
    const count = el('input', { id: 'p-count', type: 'number', min: '1', max: '100', value: '50', inputmode: 'numeric' });
    const print = el('button', { type: 'button', id: 'p-print', class: 'secondary' }, t('console.paper.print'));
    const files = el('input', { id: 'p-files', type: 'file', multiple: '', accept: '.pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff' });
    const upload = el('button', { type: 'button', id: 'p-upload', class: 'secondary' }, t('console.paper.upload'));
    const out = el('ul', { id: 'p-out', class: 'outcomes', 'aria-live': 'polite' });
    const problem = async (r) => { const b = await r.json().catch(() => ({})); return (b.errors && b.errors[0] && b.errors[0].message) || b.title || r.statusText; };
    print.addEventListener('click', async () => {
      status(t('console.loading'));
      const r = await fetchAuth('/api/v1/stores/' + encodeURIComponent(storeId) + '/paper-cards?count=' + encodeURIComponent(count.value), { method: 'POST' });
      if (!r.ok) { status(await problem(r), true); return; }
      const a = el('a', { href: URL.createObjectURL(await r.blob()), download: storeId + '-cards.pdf', id: 'p-pdf' }, t('console.paper.download'));
      out.replaceChildren(el('li', {}, a));
      a.click();
      status(t('console.paper.printed', { n: count.value }));
    });
    upload.addEventListener('click', async () => {
      out.replaceChildren();
      for (const f of files.files) {
        const li = el('li', {}, f.name + ': ' + t('console.paper.reading'));
        out.append(li);
        const r = await fetchAuth('/api/v1/stores/' + encodeURIComponent(storeId) + '/scans?name=' + encodeURIComponent(f.name), { method: 'POST', body: f, headers: { 'Content-Type': 'application/octet-stream' } });
        if (!r.ok) { li.textContent = f.name + ': ' + await problem(r); li.className = 'error'; continue; }
        const { key } = await r.json();
        for (let i = 0; i < 120; i++) { // the bucket's event reads it within seconds
          await new Promise((ok) => setTimeout(ok, 1000));
          const { pages } = await api('/api/v1/stores/' + encodeURIComponent(storeId) + '/scans?key=' + encodeURIComponent(key));
          if (pages.length) {
            li.replaceChildren(f.name + ': ', ...pages.map((pg) => el('span', { class: 'page ' + pg.status, 'data-status': pg.status },
              t('console.paper.page', { n: pg.page }) + ' ' + t('console.paper.status.' + pg.status) + (pg.reason ? ' (' + word('console.paper.reason.' + pg.reason, pg.reason) + ')' : ''))));
            break;
          }
        }
      }
      await load();
    });
    return el('section', { class: 'panel', 'aria-labelledby': 'p-h' }, el('h3', { id: 'p-h' }, t('console.paper.title')),
      el('div', { class: 'row' }, el('div', { class: 'field' }, el('label', { for: 'p-count' }, t('console.paper.count')), count), print),
      el('div', { class: 'row' }, el('div', { class: 'field' }, el('label', { for: 'p-files' }, t('console.paper.files')), files), upload),
      out);
  }

  const current = () => stores.find((s) => s.id === storeId) || {};
  function fieldLabel(st, field) {
    const slot = /^ratings\.item(\d+)$/.exec(field);
    if (slot) {
      const item = (st.items || [])[Number(slot[1]) - 1];
      return t('console.review.rating', { item: item ? word('console.item.' + item, item) : t('console.review.slot', { n: slot[1] }) });
    }
    if (field.startsWith('ratings.')) {
      const item = field.slice('ratings.'.length);
      return t('console.review.rating', { item: word('console.item.' + item, item) });
    }
    return word('console.review.field.' + field, field);
  }
  function valueLabel(st, field, v) {
    if (v === '') return t('console.review.unanswered');
    if (field.startsWith('ratings.')) return word('console.review.rating.' + v, v);
    if (field === 'firstVisit') return t(v === 'true' ? 'console.review.yes' : 'console.review.no');
    if (field.startsWith('consent.')) return t(v === 'true' ? 'console.review.checked' : 'console.review.unchecked');
    if (field === 'mainCourse') {
      const course = (st.mainCourses || [])[Number(v) - 1];
      return course ? word('console.review.v.course.' + course, course) : v;
    }
    if (field === 'diner.language') return word('console.review.v.lang.' + v, v);
    if (field === 'meal' || field === 'reason' || field === 'heardFrom' || field === 'visitCount') return word('console.review.v.' + field + '.' + v, v);
    return v;
  }

  // crop shows a question's image, fetched with the sign-in token (an
  // <img src> cannot send it) and shown through a blob: URL.
  function crop(r, q, label) {
    if (!q.crop) return el('p', { class: 'hint' }, t('console.review.noImage'));
    const img = el('img', { class: 'crop', alt: t('console.review.imageAlt', { field: label }) });
    fetchAuth('/api/v1/reviews/' + encodeURIComponent(r.id) + '/crops/' + encodeURIComponent(q.field))
      .then((resp) => (resp.ok ? resp.blob() : Promise.reject(new Error(String(resp.status)))))
      .then((b) => { const u = URL.createObjectURL(b); blobs.add(u); img.src = u; })
      .catch(() => img.replaceWith(el('p', { class: 'hint' }, t('console.review.noImage'))));
    return img;
  }

  function question(st, r, q, i) {
    const label = fieldLabel(st, q.field);
    const name = 'q-' + r.id + '-' + i;
    const box = el('fieldset', { class: 'question', 'data-field': 'choices.' + q.field, 'data-question': q.field },
      el('legend', {}, label, ' ', el('span', { class: 'why' }, word('console.review.why.' + q.reason, q.reason))),
      crop(r, q, label));
    if (!q.candidates || !q.candidates.length) { // a digit grid: typed, looking at the crop
      const input = el('input', { id: name, name, inputmode: 'numeric', pattern: '[0-9]*', autocomplete: 'off', class: 'digits' });
      box.append(el('label', { for: name }, t('console.review.digits')), input);
    } else {
      const opts = el('div', { class: 'big-choices', role: 'radiogroup', 'aria-label': label });
      q.candidates.forEach((v, j) => {
        const radio = el('input', { type: 'radio', name, value: v, id: name + '-' + j });
        opts.append(el('label', { for: radio.id, class: 'big-choice' }, radio, el('span', {}, valueLabel(st, q.field, v))));
      });
      box.append(opts);
    }
    box.append(el('div', { class: 'field-errors' }));
    return box;
  }

  function chosen(form, r) {
    const choices = {};
    r.questions.forEach((q, i) => {
      const name = 'q-' + r.id + '-' + i;
      if (!q.candidates || !q.candidates.length) { choices[q.field] = form.elements[name].value.trim(); return; }
      const on = form.querySelector('input[name="' + CSS.escape(name) + '"]:checked');
      if (on) choices[q.field] = on.value;
    });
    return choices;
  }

  function leave(art) {
    art.querySelectorAll('img.crop').forEach((img) => { if (img.src.startsWith('blob:')) { URL.revokeObjectURL(img.src); blobs.delete(img.src); } });
    const i = articles().indexOf(art);
    art.remove();
    if (!list.querySelector('article')) list.replaceChildren(el('p', { id: 'r-none' }, t('console.review.none')));
    setCurrent(Math.max(i, 0)); // the next card is current, its first open question focused
  }

  function reviewView(st, r) {
    const when = new Date(r.createdAt).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });
    const formError = el('p', { class: 'error form-error', role: 'alert' });
    const save = el('button', { type: 'submit' }, t('console.review.save'));
    const form = el('form', { class: 'review-form', novalidate: '' },
      ...r.questions.map((q, i) => question(st, r, q, i)), el('div', { class: 'bar' }, save, formError));
    const art = el('article', { class: 'card review', 'data-review': r.id, tabindex: '-1' },
      el('h3', {}, t('console.review.card', { serial: r.serial })),
      el('p', { class: 'meta' },
        el('span', {}, t('console.review.visit', { date: r.visitDate })),
        el('span', {}, t('console.review.scanned', { when })),
        el('span', {}, t('console.review.confidence', { pct: Math.round((r.confidence || 0) * 100) + '%' }))),
      form);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      form.querySelectorAll('.field-errors').forEach((n) => n.replaceChildren());
      formError.textContent = '';
      save.disabled = true;
      try {
        await api('/api/v1/reviews/' + encodeURIComponent(r.id) + '/decision', 'POST', { version: r.version, choices: chosen(form, r) });
        leave(art);
        status(t('console.review.saved', { serial: r.serial }));
      } catch (e) {
        save.disabled = false;
        if (e.status === 409 || e.status === 404) { leave(art); status(t('console.review.changed'), true); return; }
        let placed = false;
        for (const f of e.fields || []) {
          const box = form.querySelector('[data-field="' + CSS.escape(f.field) + '"] .field-errors');
          if (box) { box.append(el('p', { class: 'error field-error' }, f.message)); placed = true; }
        }
        formError.textContent = placed ? t('console.review.fix') : (e.message + (e.fields && e.fields.length ? ': ' + e.fields.map((f) => f.message).join(' ') : ''));
      }
    });
    return art;
  }

  // load shows the chosen store's queue; only the latest of overlapping
  // loads (a store chosen while the view opens) is shown.
  let loads = 0;
  async function load() {
    const mine = ++loads;
    status(t('console.loading'));
    try {
      const { reviews } = await api('/api/v1/stores/' + encodeURIComponent(storeId) + '/reviews');
      if (mine !== loads) return;
      for (const u of blobs) URL.revokeObjectURL(u);
      blobs.clear();
      const st = current();
      list.replaceChildren(...(reviews.length ? reviews.map((r) => reviewView(st, r)) : [el('p', { id: 'r-none' }, t('console.review.none'))]));
      setCurrent(0);
      status('');
    } catch (e) {
      if (mine !== loads) return;
      list.replaceChildren();
      status(e.status === 403 ? t('console.forbidden') : e.message, true);
    }
  }

  return {
    // show renders the queue afresh each time the view is opened, so the
    // reviewer never decides from a stale version.
    async show() { select.value = storeId; await load(); },
  };
};
