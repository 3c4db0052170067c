// cardloop console: greeting campaigns (marketing and admins). app.js calls
// window.cardloopCampaigns once signed in, with its helpers; show(hash)
// renders #campaigns (the list), #campaign/new or #campaign/{id}.
'use strict';
window.cardloopCampaigns = function ({ root, api, t, el, lang, stores, status }) {
  const LANGS = [['zh-TW', '繁體中文'], ['zh-CN', '简体中文'], ['en', 'English']];
  const storeName = (s) => (s.name && (s.name[lang] || s.name.en)) || s.id;
  const statusName = (s) => t('console.campaign.status.' + s);
  let occasionYear = null, occasionList = [];

  async function occasions(year) {
    if (year !== occasionYear) {
      occasionList = (await api('/api/v1/occasions?year=' + year)).occasions;
      occasionYear = year;
    }
    return occasionList;
  }
  const occasionName = (c) => {
    if (c.occasion === 'custom') return (c.customNames && (c.customNames[lang] || Object.values(c.customNames)[0])) || t('console.campaign.custom');
    return t('occasion.' + c.occasion);
  };

  function resultsView(r) {
    const keys = ['planned', 'sent', 'skipped', 'failed', 'delivered', 'bounced', 'complained', 'unsubscribed'];
    return el('dl', { class: 'tiles results' }, ...keys.map((k) =>
      el('div', { 'data-result': k }, el('dt', {}, t('console.campaign.result.' + k)), el('dd', {}, String((r && r[k]) || 0)))));
  }

  async function showList() {
    status(t('console.loading'));
    const { campaigns } = await api('/api/v1/campaigns');
    const head = el('div', { class: 'bar' }, el('h2', { id: 'c-list-h' }, t('console.campaign.list')),
      el('a', { class: 'button', href: '#campaign/new' }, t('console.campaign.new')));
    if (!campaigns.length) { root.replaceChildren(head, el('p', {}, t('console.campaign.none'))); status(''); return; }
    const rows = campaigns.map((c) => el('tr', { 'data-campaign': c.id },
      el('td', {}, el('a', { href: '#campaign/' + encodeURIComponent(c.id) }, c.name)),
      el('td', {}, occasionName(c) + (c.year ? ' ' + c.year : '')),
      el('td', {}, el('span', { class: 'badge ' + c.status }, statusName(c.status))),
      el('td', { class: 'num' }, String(c.results.sent)),
      el('td', { class: 'num' }, String(c.results.unsubscribed)),
      el('td', {}, new Date(c.updatedAt).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' }))));
    const th = (k) => el('th', { scope: 'col' }, t(k));
    // Six columns do not fit a phone in every language: the table scrolls
    // sideways in its own region (focusable, so a keyboard can scroll it)
    // instead of widening the page.
    root.replaceChildren(head, el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'c-list-h' },
      el('table', { class: 'list' },
        el('thead', {}, el('tr', {}, th('console.campaign.name'), th('console.campaign.occasion'), th('console.campaign.status'),
          th('console.campaign.result.sent'), th('console.campaign.result.unsubscribed'), th('console.campaign.updated'))),
        el('tbody', {}, ...rows))));
    status('');
  }

  // field is a labelled control whose errors show beneath it (data-field
  // names the API field the errors are about).
  function field(label, control, apiField) {
    const wrap = el('div', { class: 'field', 'data-field': apiField || '' }, el('label', { for: control.id }, label), control);
    return wrap;
  }
  const input = (id, attrs) => el('input', Object.assign({ id, name: id }, attrs || {}));
  const checks = (name, items, chosen) => items.map(([value, label]) => {
    const box = el('input', { type: 'checkbox', name, value, id: name + '-' + value });
    box.checked = (chosen || []).includes(value);
    return el('label', { class: 'check', for: box.id }, box, ' ' + label);
  });

  async function showEditor(id) {
    status(t('console.loading'));
    const c = id ? await api('/api/v1/campaigns/' + encodeURIComponent(id)) : {
      occasion: 'birthday', year: new Date().getFullYear(), leadDays: 3, sendHour: 10, segment: {}, content: {}, status: 'draft',
    };
    const year = c.year || new Date().getFullYear();
    const occ = await occasions(year);

    const form = el('form', { id: 'campaign-form', class: 'campaign', novalidate: '' });
    const occSel = el('select', { id: 'c-occasion', name: 'occasion' },
      el('option', { value: 'birthday' }, t('occasion.birthday')),
      ...occ.map((o) => el('option', { value: o.id }, o.name + ' · ' + o.date)),
      el('option', { value: 'custom' }, t('console.campaign.custom')));
    occSel.value = c.occasion;
    const yearIn = input('c-year', { type: 'number', min: '1950', max: '2100', value: String(year) });
    const customDate = input('c-custom-date', { type: 'date', value: c.customDate || '' });
    const customNames = LANGS.map(([code, name]) => field(t('console.campaign.customName', { lang: name }),
      input('c-custom-name-' + code, { value: (c.customNames && c.customNames[code]) || '', lang: code }), 'customNames'));
    const yearField = field(t('console.campaign.year'), yearIn, 'year');
    const customBox = el('div', { class: 'row' }, field(t('console.campaign.customDate'), customDate, 'customDate'), ...customNames);
    const syncOccasion = () => {
      yearField.hidden = occSel.value === 'birthday' || occSel.value === 'custom';
      customBox.hidden = occSel.value !== 'custom';
    };
    occSel.addEventListener('change', syncOccasion);
    yearIn.addEventListener('change', async () => {
      const y = Number(yearIn.value);
      if (y < 1950 || y > 2100) return;
      const keep = occSel.value;
      const list = await occasions(y);
      occSel.replaceChildren(el('option', { value: 'birthday' }, t('occasion.birthday')),
        ...list.map((o) => el('option', { value: o.id }, o.name + ' · ' + o.date)), el('option', { value: 'custom' }, t('console.campaign.custom')));
      occSel.value = keep;
    });

    const hourSel = el('select', { id: 'c-hour', name: 'sendHour' });
    for (let h = 9; h <= 20; h++) hourSel.append(el('option', { value: String(h) }, String(h).padStart(2, '0') + ':00'));
    hourSel.value = String(c.sendHour);
    const seg = c.segment || {};
    const content = LANGS.map(([code, name]) => {
      const ct = (c.content && c.content[code]) || {};
      return el('fieldset', { class: 'lang-content', lang: code, 'data-field': 'content.' + code },
        el('legend', {}, name),
        field(t('console.campaign.subject'), input('c-subject-' + code, { value: ct.subject || '', maxlength: '150' }), 'content.' + code + '.subject'),
        field(t('console.campaign.body'), Object.assign(el('textarea', { id: 'c-body-' + code, name: 'c-body-' + code, rows: '6', maxlength: '5000' }), { value: ct.body || '' }), 'content.' + code + '.body'));
    });

    form.append(...[
      field(t('console.campaign.name'), input('c-name', { value: c.name || '', required: '', maxlength: '200' }), 'name'),
      el('div', { class: 'row' }, field(t('console.campaign.occasion'), occSel, 'occasion'), yearField),
      customBox,
      el('fieldset', { 'data-field': 'segment' }, el('legend', {}, t('console.campaign.segment')),
        el('div', { class: 'choices', 'data-field': 'segment.stores', role: 'group', 'aria-label': t('console.campaign.stores') },
          el('span', { class: 'hint' }, t('console.campaign.stores')), ...checks('c-stores', stores.map((s) => [s.id, s.id + ' · ' + storeName(s)]), seg.stores)),
        el('div', { class: 'choices', role: 'group', 'aria-label': t('console.campaign.languages') },
          el('span', { class: 'hint' }, t('console.campaign.languages')), ...checks('c-langs', LANGS, seg.languages)),
        el('div', { class: 'row' },
          field(t('console.campaign.visitedWithin'), input('c-visited', { type: 'number', min: '0', max: '120', value: String(seg.visitedWithinMonths || 0) })),
          field(t('console.campaign.minVisits'), input('c-min-visits', { type: 'number', min: '0', max: '1000', value: String(seg.minVisits || 0) })))),
      el('fieldset', {}, el('legend', {}, t('console.campaign.timing')),
        el('div', { class: 'row' },
          field(t('console.campaign.leadDays'), input('c-lead', { type: 'number', min: '0', max: '60', value: String(c.leadDays) }), 'leadDays'),
          field(t('console.campaign.sendHour'), hourSel, 'sendHour'),
          field(t('console.campaign.coupon'), input('c-coupon', { value: c.couponPrefix || '', pattern: '[A-Z0-9]{1,12}', autocapitalize: 'characters' }), 'couponPrefix'))),
      el('fieldset', {}, el('legend', {}, t('console.campaign.content')), el('p', { class: 'hint' }, t('console.campaign.placeholders')), ...content),
      id && c.status !== 'draft' ? el('p', { class: 'hint' }, t('console.campaign.editNote')) : null,
      el('button', { type: 'submit', id: 'c-save' }, t('console.campaign.save'))].filter(Boolean));
    syncOccasion();
    const editable = ['draft', 'approved', 'scheduled'].includes(c.status);
    if (!editable) form.querySelectorAll('input,select,textarea,button').forEach((n) => { n.disabled = true; });

    const read = () => {
      const v = (i) => form.querySelector('#' + i).value.trim();
      const picked = (name) => [...form.querySelectorAll('input[name="' + name + '"]:checked')].map((n) => n.value);
      const out = {
        name: v('c-name'), occasion: occSel.value, leadDays: Number(v('c-lead')), sendHour: Number(hourSel.value),
        couponPrefix: v('c-coupon'),
        segment: { stores: picked('c-stores'), languages: picked('c-langs'), visitedWithinMonths: Number(v('c-visited')), minVisits: Number(v('c-min-visits')) },
        content: {},
      };
      if (out.occasion !== 'birthday' && out.occasion !== 'custom') out.year = Number(v('c-year'));
      if (out.occasion === 'custom') {
        out.customDate = v('c-custom-date');
        out.customNames = {};
        for (const [code] of LANGS) if (v('c-custom-name-' + code)) out.customNames[code] = v('c-custom-name-' + code);
      }
      for (const [code] of LANGS) {
        const subject = v('c-subject-' + code), body = form.querySelector('#c-body-' + code).value;
        if (subject || body.trim()) out.content[code] = { subject, body };
      }
      return out;
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      try {
        const body = read();
        if (id) body.version = c.version;
        const saved = await api(id ? '/api/v1/campaigns/' + encodeURIComponent(id) : '/api/v1/campaigns', id ? 'PUT' : 'POST', body);
        if (!id) { location.hash = '#campaign/' + encodeURIComponent(saved.id); return; }
        await showEditor(saved.id);
        status(t('console.campaign.saved'));
      } catch (e) { await failed(e, form, id); }
    });

    const parts = [el('p', {}, el('a', { href: '#campaigns' }, '← ' + t('console.campaign.back'))),
      el('h2', {}, id ? c.name : t('console.campaign.new'))];
    if (id) parts.push(warningsView(c.warnings), await actions(c));
    parts.push(form);
    if (id) parts.push(el('section', { 'aria-labelledby': 'results-h' }, el('h3', { id: 'results-h' }, t('console.campaign.results')), resultsView(c.results)));
    root.replaceChildren(...parts);
    status('');
  }

  // warningsView lists what the API warns about (a store's language
  // without content, a segment of nobody): allowed, but likely a surprise.
  function warningsView(ws) {
    if (!ws || !ws.length) return el('span', { hidden: '' });
    return el('section', { class: 'warnings', id: 'c-warnings', 'aria-labelledby': 'c-warnings-h' },
      el('h3', { id: 'c-warnings-h' }, t('console.campaign.warnings')),
      el('ul', {}, ...ws.map((w) => el('li', { 'data-warning': w.code }, w.message))));
  }

  // sendDay is the date LeadDays before an occasion's YYYY-MM-DD.
  const sendDay = (date, lead) => {
    const d = new Date(date + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() - (lead || 0));
    return d.toISOString().slice(0, 10);
  };

  // confirmSchedule asks, in a dialog, whether to schedule: what, when and
  // how many diners (the segment counted now); yes runs schedule.
  async function confirmSchedule(c, path, schedule) {
    let n;
    try { n = String((await api(path + '/segment')).diners); } catch (e) { n = '?'; }
    const hour = String(c.sendHour).padStart(2, '0') + ':00';
    let when;
    if (c.occasion === 'birthday') when = t('console.campaign.confirmBirthday', { days: String(c.leadDays), hour });
    else {
      const date = c.occasion === 'custom' ? c.customDate : ((await occasions(c.year)).find((o) => o.id === c.occasion) || {}).date;
      when = t('console.campaign.confirmWhenDay', { date: date ? sendDay(date, c.leadDays) : '?', hour });
    }
    const yes = el('button', { type: 'button', id: 'c-confirm-yes' }, t('console.campaign.confirmYes'));
    const no = el('button', { type: 'button', id: 'c-confirm-no', class: 'secondary' }, t('console.campaign.confirmNo'));
    const dlg = el('dialog', { id: 'c-confirm', class: 'confirm', 'aria-labelledby': 'c-confirm-h' },
      el('h2', { id: 'c-confirm-h' }, t('console.campaign.confirmTitle')),
      el('dl', {},
        el('dt', {}, t('console.campaign.confirmWhat')), el('dd', { id: 'c-confirm-what' }, c.name + ' · ' + occasionName(c) + (c.year ? ' ' + c.year : '')),
        el('dt', {}, t('console.campaign.confirmWhen')), el('dd', { id: 'c-confirm-when' }, when),
        el('dt', {}, t('console.campaign.confirmWho')), el('dd', { id: 'c-confirm-who' }, t('console.campaign.counted', { n }))),
      el('div', { class: 'bar' }, yes, no));
    no.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => dlg.remove());
    yes.addEventListener('click', () => { dlg.close(); schedule(); });
    root.append(dlg);
    dlg.showModal();
    no.focus();
  }

  // actions is the panel of a saved campaign: its status and who did what,
  // the lifecycle buttons its status allows, the segment count, preview
  // and test send.
  async function actions(c) {
    const path = '/api/v1/campaigns/' + encodeURIComponent(c.id);
    const step = async (action, confirmKey) => {
      if (confirmKey && !window.confirm(t(confirmKey))) return;
      try {
        await api(path + '/' + action, 'POST', { version: c.version });
        await showEditor(c.id);
        status(statusName((await api(path)).status));
      } catch (e) {
        if (e.status === 403 && action === 'approve') { status(e.message + ' ' + t('console.campaign.approveNote'), true); return; }
        await failed(e, null, c.id);
      }
    };
    const button = (key, action, confirmKey) => {
      const b = el('button', { type: 'button', id: 'c-' + action }, t(key));
      b.addEventListener('click', () => step(action, confirmKey));
      return b;
    };
    const who = el('p', { class: 'meta' },
      el('span', { class: 'badge ' + c.status, id: 'c-status' }, statusName(c.status)),
      el('span', {}, t('console.campaign.by', { who: c.createdBy })),
      c.approvedBy ? el('span', {}, t('console.campaign.approvedBy', { who: c.approvedBy })) : null);
    const buttons = el('div', { class: 'bar' });
    // The Approve button only for who may approve; its author submits a
    // campaign and reads whom it waits for.
    if (c.status === 'draft' && c.canApprove) buttons.append(button('console.campaign.approve', 'approve'));
    if (c.status === 'draft' && !(c.submittedAt && c.notifiedAt)) buttons.append(button('console.campaign.submit', 'submit'));
    if (c.status === 'approved') {
      const b = el('button', { type: 'button', id: 'c-schedule' }, t('console.campaign.schedule'));
      b.addEventListener('click', () => confirmSchedule(c, path, () => step('schedule')));
      buttons.append(b);
    }
    let note = null;
    if (c.status === 'draft' && c.submittedAt) {
      note = el('p', { class: 'hint', id: 'c-waiting' }, (c.waitingFor && c.waitingFor.length)
        ? t('console.campaign.waitingFor', { who: c.waitingFor.join(', ') }) : t('console.campaign.waitingNobody'));
    } else if (c.status === 'draft') {
      note = el('p', { class: 'hint', id: 'c-waiting' }, t('console.campaign.notSubmitted') + (c.canApprove ? '' : ' ' + t('console.campaign.approveNote')));
    }
    if (!['done', 'cancelled'].includes(c.status)) buttons.append(button('console.campaign.cancel', 'cancel', 'console.campaign.cancelConfirm'));

    const countOut = el('output', { id: 'c-count-out' });
    const count = el('button', { type: 'button', id: 'c-count', class: 'secondary' }, t('console.campaign.count'));
    count.addEventListener('click', async () => {
      countOut.textContent = t('console.loading');
      try {
        const n = await api(path + '/segment');
        const list = (o, name) => Object.entries(o || {}).map(([k, v]) => name(k) + ' ' + v).join(', ');
        countOut.replaceChildren(el('span', {}, t('console.campaign.counted', { n: n.diners })),
          el('span', {}, ' · ' + t('console.campaign.byStore') + ': ' + list(n.stores, (s) => s)),
          el('span', {}, ' · ' + t('console.campaign.byLanguage') + ': ' + list(n.languages, (l) => t('campaign.lang.' + l))),
          n.sample && n.sample.length ? el('span', { id: 'c-sample' }, ' · ' + t('console.campaign.sampleNames') + ': ' + n.sample.join(', ')) : null);
      } catch (e) { countOut.textContent = e.message; }
    });

    const reached = (c.segment.stores && c.segment.stores.length) ? stores.filter((s) => c.segment.stores.includes(s.id)) : stores;
    const pvStore = el('select', { id: 'pv-store' }, ...reached.map((s) => el('option', { value: s.id }, s.id + ' · ' + storeName(s))));
    const pvLang = el('select', { id: 'pv-lang' }, ...LANGS.filter(([code]) => c.content[code]).map(([code, name]) => el('option', { value: code }, name)));
    if (c.content[lang]) pvLang.value = lang;
    const pvName = input('pv-name', { placeholder: t('campaign.sampleName') });
    const pvOut = el('div', { class: 'preview', id: 'pv-out', hidden: '' });
    const sample = () => ({ storeId: pvStore.value, lang: pvLang.value, name: pvName.value.trim() });
    const pvButton = el('button', { type: 'button', id: 'c-preview', class: 'secondary' }, t('console.campaign.preview'));
    pvButton.addEventListener('click', async () => {
      try {
        const p = await api(path + '/preview', 'POST', sample());
        // The rendered e-mail is shown in a sandboxed frame: no script runs, nothing reaches the console.
        const frame = el('iframe', { sandbox: '', title: t('console.campaign.preview'), class: 'mail' });
        frame.srcdoc = p.html;
        pvOut.replaceChildren(el('p', {}, el('strong', { id: 'pv-subject' }, p.subject)), frame,
          el('pre', { class: 'headers' }, Object.entries(p.headers || {}).filter(([k]) => k.startsWith('List-')).map(([k, v]) => k + ': ' + v).join('\n')));
        pvOut.hidden = false;
      } catch (e) { status(e.message, true); }
    });
    const testTo = input('test-to', { type: 'email', autocomplete: 'email' });
    const testOut = el('output', { id: 'test-out' });
    const testButton = el('button', { type: 'button', id: 'c-test-send', class: 'secondary' }, t('console.campaign.testSend'));
    testButton.addEventListener('click', async () => {
      try {
        const r = await api(path + '/test-send', 'POST', Object.assign(sample(), { to: testTo.value.trim() }));
        testOut.textContent = t('console.campaign.testSent', { to: r.to });
        testOut.className = '';
      } catch (e) {
        testOut.textContent = (e.fields && e.fields[0] && e.fields[0].message) || e.message;
        testOut.className = 'error';
      }
    });

    return el('section', { class: 'actions', 'aria-label': t('console.campaign.status') }, who, buttons,
      note,
      el('div', { class: 'bar' }, count, countOut),
      el('div', { class: 'row' }, field(t('console.campaign.sample'), pvName), field(t('console.campaign.previewStore'), pvStore),
        field(t('console.campaign.previewLang'), pvLang), pvButton),
      pvOut,
      el('div', { class: 'row' }, field(t('console.campaign.testTo'), testTo), testButton, testOut));
  }

  function clearErrors(form) {
    form.querySelectorAll('.field-error').forEach((n) => n.remove());
    form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
  }

  // failed shows an API error: field errors beside their fields, a stale
  // version by reloading the campaign, anything else in the status line.
  async function failed(e, form, id) {
    if (e.status === 409 && id) {
      await showEditor(id);
      status(e.message + ' — ' + t('console.campaign.changed'), true);
      return;
    }
    if (e.status === 403) { status(e.message || t('console.campaign.forbidden'), true); return; }
    if (form && e.fields && e.fields.length) {
      for (const f of e.fields) {
        // The field itself, else its list (segment.stores[0] → segment.stores), else its parent.
        const find = (name) => form.querySelector('[data-field="' + CSS.escape(name) + '"]');
        let name = f.field.replace(/\[\d+\]$/, '');
        let target = find(f.field) || find(name);
        while (!target && name.includes('.')) { name = name.slice(0, name.lastIndexOf('.')); target = find(name); }
        target = target || form;
        const ctl = target.querySelector('input,select,textarea');
        if (ctl) ctl.setAttribute('aria-invalid', 'true');
        target.append(el('p', { class: 'field-error error' }, f.message));
      }
      status(t('console.campaign.invalid'), true);
      const first = form.querySelector('[aria-invalid]');
      if (first) first.focus();
      return;
    }
    status(e.message, true);
  }

  return {
    async show(hash) {
      try {
        const m = hash.match(/^#campaign\/(.+)$/);
        if (!m) await showList();
        else await showEditor(m[1] === 'new' ? null : decodeURIComponent(m[1]));
      } catch (e) { status(e.status === 403 ? t('console.campaign.forbidden') : e.message, true); }
    },
  };
};
