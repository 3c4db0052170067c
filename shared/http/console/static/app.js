// cardloop staff console: static; all data comes from the signed-in API
// (/api/v1, behind the JWT authorizer) with the ID token from sign-in.
'use strict';
(async function () {
  const TOKEN = 'cardloop.idToken';
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k); // strings become text nodes, never HTML
    return e;
  };

  // The sign-in redirect brings the token in the fragment, as Cognito's does.
  if (location.hash.includes('id_token=')) {
    const h = new URLSearchParams(location.hash.slice(1));
    sessionStorage.setItem(TOKEN, h.get('id_token'));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const params = new URLSearchParams(location.search);
  const wanted = params.get('lang') || navigator.language || 'en';
  const [msgs, cfg] = await Promise.all([
    fetch('/console/messages.json?lang=' + encodeURIComponent(wanted)).then((r) => r.json()),
    fetch('/console/config.json').then((r) => r.json()),
  ]);
  const lang = msgs.lang;
  // Placeholders the caller does not fill stay as written ({name} in help text).
  const t = (k, vars) => (msgs[k] || k).replace(/\{(\w+)\}/g, (m, v) => (vars && vars[v] != null ? vars[v] : m));
  document.documentElement.lang = lang;
  document.title = t('console.title');
  document.querySelectorAll('[data-t]').forEach((n) => { n.textContent = t(n.dataset.t); });
  $('langs').setAttribute('aria-label', t('console.language'));
  for (const [code, name] of [['zh-TW', '繁體中文'], ['zh-CN', '简体中文'], ['en', 'English']]) {
    const a = el('a', { href: '?lang=' + code, lang: code }, name);
    if (code === lang) a.setAttribute('aria-current', 'true');
    a.addEventListener('click', () => { a.href = '?lang=' + code + location.hash; }); // stay on the same view
    $('langs').append(a);
  }

  const status = (text, isError) => { $('status').textContent = text; $('status').className = isError ? 'error' : ''; };
  const signIn = () => {
    const back = location.origin + '/console/' + location.search;
    location.assign(cfg.signinUrl + (cfg.signinUrl.includes('?') ? '&' : '?') + 'redirect_uri=' + encodeURIComponent(back));
  };
  const token = sessionStorage.getItem(TOKEN);
  if (!token) { status(t('console.signingIn')); signIn(); return; }
  $('signout').hidden = false;
  $('signout').addEventListener('click', () => { sessionStorage.removeItem(TOKEN); signIn(); });

  // api calls the signed-in API; a problem document becomes an Error with
  // its status and field errors.
  async function api(path, method, payload) {
    const headers = { Authorization: 'Bearer ' + token, 'Accept-Language': lang };
    const init = { method: method || 'GET', headers };
    if (payload !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(payload); }
    const r = await fetch(path, init);
    if (r.status === 401) { sessionStorage.removeItem(TOKEN); signIn(); throw new Error(t('problem.unauthorized')); }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error(body.title || t(r.status === 404 ? 'problem.no_such' : 'problem.internal')); // in the reader's language; detail is the server's English
      e.status = r.status; e.detail = body.detail; e.fields = body.errors || []; e.body = body;
      throw e;
    }
    return body;
  }
  // fetchAuth fetches what is not JSON (a crop's PNG) with the token.
  const fetchAuth = (path, init) => fetch(path, Object.assign({}, init, { headers: Object.assign({ Authorization: 'Bearer ' + token, 'Accept-Language': lang }, init && init.headers) }));

  let me, stores;
  try {
    [me, stores] = await Promise.all([api('/api/v1/me'), api('/api/v1/stores')]);
  } catch (e) { status(e.message, true); return; }
  $('who').textContent = t('console.signedInAs', { name: me.name || me.email });
  if (!stores.stores.length) { status(t('console.noStores'), true); return; }

  // Views: the dashboard and the cards (everyone), the campaigns (marketing and admins),
  // chosen by the address's fragment so links and Back work.
  const runsCampaigns = (me.groups || []).some((g) => g === 'marketing' || g === 'admin');
  $('views').hidden = false;
  $('nav-campaigns').hidden = !runsCampaigns;
  const campaigns = runsCampaigns && window.cardloopCampaigns
    ? window.cardloopCampaigns({ root: $('view-campaigns'), api, t, el, lang, me, stores: stores.stores, status })
    : null;
  // The review queue of scanned cards: everyone who sees a store.
  const reviews = window.cardloopReviews
    ? window.cardloopReviews({ root: $('view-reviews'), api, fetchAuth, t, el, lang, me, stores: stores.stores, status })
    : null;
  $('nav-reviews').hidden = !reviews;
  // The Comments view and the CSV export: everyone who sees a store.
  const comments = window.cardloopComments
    ? window.cardloopComments({ root: $('view-comments'), api, fetchAuth, t, el, lang, me, stores: stores.stores, status })
    : null;
  $('nav-comments').hidden = !comments;
  // The dashboard: everyone's landing view.
  const dashboard = window.cardloopDashboard
    ? window.cardloopDashboard({ root: $('view-dashboard'), api, t, el, lang, me, stores: stores.stores, status })
    : null;
  $('nav-dashboard').hidden = !dashboard;
  // The Privacy view: operations and admins (the audit trail: admins).
  const handlesPrivacy = (me.groups || []).some((g) => g === 'operations' || g === 'admin');
  const privacy = handlesPrivacy && window.cardloopPrivacy
    ? window.cardloopPrivacy({ root: $('view-privacy'), api, t, el, lang, me, stores: stores.stores, status })
    : null;
  $('nav-privacy').hidden = !privacy;
  // The Cases inbox, a case's record and a card's page: everyone who sees a store.
  const cases = window.cardloopCases
    ? window.cardloopCases({ root: $('view-cases'), api, t, el, lang, me, stores: stores.stores, status })
    : null;
  $('nav-cases').hidden = !cases;
  let cardsLoaded = false;
  async function route() {
    const onCampaigns = campaigns && location.hash.startsWith('#campaign');
    const onReviews = reviews && location.hash.startsWith('#review');
    const onComments = comments && location.hash.startsWith('#comments');
    const onCards = !dashboard || location.hash.startsWith('#cards');
    const onPrivacy = privacy && location.hash.startsWith('#privacy');
    const onCases = cases && (location.hash.startsWith('#case') || location.hash.startsWith('#card/'));
    const onDashboard = !onCampaigns && !onReviews && !onComments && !onPrivacy && !onCases && !onCards;
    $('view-campaigns').hidden = !onCampaigns;
    $('view-reviews').hidden = !onReviews;
    $('view-comments').hidden = !onComments;
    $('view-dashboard').hidden = !onDashboard;
    $('view-privacy').hidden = !onPrivacy;
    $('view-cases').hidden = !onCases;
    $('view-cards').hidden = !onCards || !!(onCampaigns || onReviews || onComments || onPrivacy || onCases);
    $('nav-dashboard').toggleAttribute('aria-current', onDashboard);
    $('nav-cards').toggleAttribute('aria-current', !$('view-cards').hidden);
    $('nav-campaigns').toggleAttribute('aria-current', !!onCampaigns);
    $('nav-reviews').toggleAttribute('aria-current', !!onReviews);
    $('nav-comments').toggleAttribute('aria-current', !!onComments);
    $('nav-privacy').toggleAttribute('aria-current', !!onPrivacy);
    $('nav-cases').toggleAttribute('aria-current', !!onCases);
    if (onPrivacy) { await privacy.show(); return; }
    if (onCases) { await cases.show(location.hash); return; }
    if (onCampaigns) { await campaigns.show(location.hash); return; }
    if (onReviews) { await reviews.show(location.hash); return; }
    if (onComments) { await comments.show(location.hash); return; }
    if (onDashboard) { await dashboard.show(); return; }
    status('');
    if (!cardsLoaded) { cardsLoaded = true; await load(false); }
  }
  window.addEventListener('hashchange', route);
  const storeName = (s) => (s.name && (s.name[lang] || s.name.en)) || s.id;
  for (const s of stores.stores) $('store').append(el('option', { value: s.id }, s.id + ' · ' + storeName(s)));
  // A ?store= that is not one of the reader's (another's, or none) is said
  // so in their language, with their own stores offered; the menu keeps
  // their stores and shows the first.
  const asked = params.get('store');
  if (asked && stores.stores.some((s) => s.id === asked)) $('store').value = asked;
  else if (asked) {
    const list = el('ul', { class: 'storelinks' });
    for (const s of stores.stores) {
      const q = new URLSearchParams(location.search);
      q.set('store', s.id);
      list.append(el('li', {}, el('a', { href: '?' + q.toString() + location.hash }, s.id + ' · ' + storeName(s))));
    }
    $('main').prepend(el('section', { class: 'panel elsewhere', role: 'alert', id: 'not-yours' },
      el('p', {}, t('console.notYours.store', { id: asked })), el('p', {}, t('console.yourStores')), list));
  }
  // Days are the store's days (a card counts on its visit day in the
  // store's time zone), not the browser's or UTC's: at 07:00 in Taipei it is
  // still yesterday in UTC.
  const storeOf = (id) => stores.stores.find((s) => s.id === id) || {};
  const storeDay = (id, d) => new Intl.DateTimeFormat('en-CA', { timeZone: storeOf(id).timeZone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const daysBefore = (day, n) => new Date(Date.parse(day + 'T00:00:00Z') - n * 864e5).toISOString().slice(0, 10);
  const today = storeDay($('store').value, new Date());
  $('to').value = params.get('to') || today;
  $('from').value = params.get('from') || daysBefore(today, 6);
  $('controls').hidden = false;

  let cursor = '';
  const itemName = (item) => t('console.item.' + item);
  function cardView(c) {
    const low = Object.values(c.ratings || {}).some((v) => v <= 2);
    const ratings = el('ul', { class: 'ratings', 'aria-label': t('console.ratings') });
    for (const [item, v] of Object.entries(c.ratings || {})) {
      const li = el('li', { class: v <= 2 ? 'low' : '' }, itemName(item) + ' ' + v);
      if (v <= 2) li.append(' ', el('span', {}, '(' + t('console.low') + ')'));
      ratings.append(li);
    }
    const when = new Date(c.submittedAt).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
    const meta = el('p', { class: 'meta' },
      el('span', {}, when),
      c.table ? el('span', {}, t('console.table') + ' ' + c.table) : null,
      c.nps != null ? el('span', {}, 'NPS ' + c.nps) : null,
      el('span', {}, t('console.source.' + c.source)),
      c.diner && c.diner.name ? el('span', {}, c.diner.name) : null,
      c.diner && c.diner.phone ? el('span', {}, c.diner.phone) : null,
      c.consent && c.consent.contact ? el('span', {}, t('console.consentContact')) : null,
      c.consent && c.consent.marketing ? el('span', {}, t('console.consentMarketing')) : null);
    const art = el('article', { class: 'card' + (low ? ' low' : ''), 'data-card': c.id }, meta, ratings);
    if (c.comment) art.append(el('p', { class: 'comment' }, c.comment));
    if (c.caseId) {
      art.append(el('p', {}, el('a', { href: '#case/' + encodeURIComponent(c.caseId), class: 'caselink' },
        t('console.cases.link', { status: t('case.status.' + c.caseStatus) }))));
    }
    return art;
  }
  function addCards(cards) {
    for (const c of cards) {
      let day = document.querySelector('[data-day="' + c.visitDate + '"]');
      if (!day) {
        day = el('section', { class: 'day', 'data-day': c.visitDate }, el('h3', {}, new Date(c.visitDate + 'T00:00:00Z').toLocaleDateString(lang, { timeZone: 'UTC', weekday: 'short', year: 'numeric', month: 'long', day: 'numeric' })));
        $('days').append(day);
      }
      day.append(cardView(c));
    }
  }
  async function loadStats(store, from, to) {
    const s = await api('/api/v1/stores/' + encodeURIComponent(store) + '/case-stats?from=' + from + '&to=' + to);
    const tot = s.total || {};
    const pct = (x) => Math.round((x || 0) * 100) + '%';
    const tiles = [
      ['console.stat.opened', (tot.openedApology || 0) + (tot.openedVisit || 0)],
      ['console.stat.visits', tot.openedVisit || 0],
      ['console.stat.noContact', tot.noContact || 0],
      ['console.stat.withinSla', pct(tot.contactedWithinSlaShare)],
      ['console.stat.resolved', tot.resolved || 0],
      ['console.stat.fcr', pct(tot.firstContactResolutionShare)],
    ];
    $('stat-tiles').replaceChildren(...tiles.map(([k, v]) => el('div', {}, el('dt', {}, t(k)), el('dd', {}, String(v)))));
    $('stats').hidden = false;
  }
  // Only the newest load shows its answer: opening the tab and pressing Show
  // at once must not list the cards twice.
  let loadSeq = 0;
  async function load(more) {
    const seq = ++loadSeq;
    const store = $('store').value, from = $('from').value, to = $('to').value;
    if (!more) cursor = '';
    status(t('console.loading'));
    try {
      const q = '?from=' + from + '&to=' + to + '&limit=50' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      const [page] = await Promise.all([api('/api/v1/stores/' + encodeURIComponent(store) + '/cards' + q), more ? null : loadStats(store, from, to)]);
      if (seq !== loadSeq) return;
      if (!more) $('days').replaceChildren();
      addCards(page.cards);
      cursor = page.nextCursor || '';
      $('more').hidden = !cursor;
      $('cards').hidden = false;
      status(page.cards.length || more ? '' : t('console.noCards'));
    } catch (e) {
      if (seq !== loadSeq) return;
      $('cards').hidden = true; $('stats').hidden = true;
      status(e.status === 403 ? t('console.forbidden') : e.message, true);
    }
  }
  $('filters').addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  $('more').addEventListener('click', () => load(true));
  await route();
})();
