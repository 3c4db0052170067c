// cardloop console: the Dashboard, the landing view for every role. app.js
// calls window.cardloopDashboard once signed in, with its helpers; show()
// renders #dashboard: a store's KPI tiles against targets, its figures with
// their answer counts and the change on the previous period, the readings
// in words, and the charts, drawn as SVG by the server (GET
// /api/v1/stores/{id}/insight), each with a "show as table" view; for area
// managers, operations and admin, the store ranking of the same period
// (GET /api/v1/brands/{id}/insight, from the brand's roll-ups).
'use strict';
window.cardloopDashboard = function ({ root, api, t, el, lang, me, stores, status }) {
  const storeName = (s) => (s.name && (s.name[lang] || s.name.en)) || s.id;
  const storeOf = (id) => stores.find((s) => s.id === id) || {};
  // Days are the store's days, in its time zone.
  const storeDay = (id, d) => new Intl.DateTimeFormat('en-CA', { timeZone: storeOf(id).timeZone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const addDays = (day, n) => new Date(Date.parse(day + 'T00:00:00Z') + n * 864e5).toISOString().slice(0, 10);
  // The same formats as the server's charts (shared/chart: Avg, Pct,
  // Score), rounding half up as floor(x + 0.5) on the same number.
  const avg = (v) => { const r = Math.floor((v || 0) * 10 + 0.5), a = Math.abs(r); return (r < 0 ? '-' : '') + Math.floor(a / 10) + '.' + (a % 10); };
  const pct = (v) => Math.floor(100 * (v || 0) + 0.5) + '%';
  // avg2 is avg to two places, for KPIs read against a target: 4.47 must not
  // show as the 4.5 it misses.
  const avg2 = (v) => { const r = Math.floor((v || 0) * 100 + 0.5), a = Math.abs(r); return (r < 0 ? '-' : '') + Math.floor(a / 100) + '.' + String(a % 100).padStart(2, '0'); };
  const score = (v) => String(Math.floor((v || 0) + 0.5));
  const hours = (v) => t('console.dash.hours', { v: avg(v) });

  const field = (id, key, control) => el('label', { class: 'field', for: id }, el('span', {}, t(key)), control);
  const select = (id, options) => {
    const s = el('select', { id, name: id });
    for (const [v, label] of options) s.append(el('option', { value: v }, label));
    return s;
  };
  const storeSel = select('d-store', stores.map((s) => [s.id, s.id + ' · ' + storeName(s)]));
  const presets = ['yesterday', '7', '30', '90', 'thisMonth', 'lastMonth', 'thisYear', 'custom'];
  const presetSel = select('d-preset', presets.map((p) => [p, t('console.dash.preset.' + p)]));
  presetSel.value = '30';
  const from = el('input', { id: 'd-from', name: 'from', type: 'date' });
  const to = el('input', { id: 'd-to', name: 'to', type: 'date' });
  const custom = el('div', { class: 'row', id: 'd-custom', hidden: '' }, field('d-from', 'console.from', from), field('d-to', 'console.to', to));
  const mealSel = select('d-meal', [['', t('console.dash.meal.all')], ['lunch', t('console.dash.meal.lunch')], ['dinner', t('console.dash.meal.dinner')]]);
  const sourceSel = select('d-source', [['', t('console.dash.source.all')], ['qr', t('console.source.qr')], ['scan', t('console.source.scan')], ['import', t('console.source.import')]]);
  const form = el('form', { id: 'd-filters', class: 'filters' },
    field('d-store', 'console.store', storeSel), field('d-preset', 'console.dash.period', presetSel), custom,
    field('d-meal', 'console.dash.meal', mealSel), field('d-source', 'console.dash.source', sourceSel),
    el('button', { type: 'submit' }, t('console.show')));
  const range = el('p', { id: 'd-range', class: 'hint' });
  const body = el('div', { id: 'd-body' });
  root.replaceChildren(el('div', { class: 'bar' }, el('h2', {}, t('console.dash.title'))), form, range, body);

  // rangeOf turns a preset into from/to in the store's calendar.
  function rangeOf(preset, today) {
    const [y, m] = today.split('-').map(Number);
    const first = (yy, mm) => new Date(Date.UTC(yy, mm - 1, 1)).toISOString().slice(0, 10);
    switch (preset) {
      case 'yesterday': return [addDays(today, -1), addDays(today, -1)];
      case '7': case '30': case '90': return [addDays(today, 1 - Number(preset)), today];
      case 'thisMonth': return [first(y, m), today];
      case 'lastMonth': return [first(y, m - 1), addDays(first(y, m), -1)];
      case 'thisYear': return [first(y, 1), today];
      default: return [from.value, to.value];
    }
  }
  presetSel.addEventListener('change', () => {
    custom.hidden = presetSel.value !== 'custom';
    if (!custom.hidden && !from.value) [from.value, to.value] = rangeOf('30', storeDay(storeSel.value, new Date()));
  });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  storeSel.addEventListener('change', () => load());

  // delta writes the change on the previous period: an arrow (hidden from
  // screen readers) and the change in words.
  function delta(cur, prev, fmt, hasCur, hasPrev) {
    const p = el('p', { class: 'delta' });
    if (!hasCur) return null;
    if (!hasPrev) { p.append(t('console.dash.noPrev')); return p; }
    const d = cur - prev;
    const text = fmt(Math.abs(d));
    if (fmt(0) === text) { p.append(el('span', { 'aria-hidden': 'true' }, '▶ '), t('console.dash.same')); return p; }
    p.append(el('span', { 'aria-hidden': 'true' }, d > 0 ? '▲ ' : '▼ '), t(d > 0 ? 'console.dash.up' : 'console.dash.down', { d: text }));
    p.className = 'delta ' + (d > 0 ? 'up' : 'down');
    return p;
  }
  // tile is one figure: its name, value, what it rests on, and the change.
  function tile(key, name, value, notes, change) {
    return el('div', { class: 'tile', 'data-figure': key },
      el('dt', {}, name),
      el('dd', { class: 'value', 'data-value': value }, value),
      ...notes.filter(Boolean).map((n) => el('dd', { class: 'note' }, n)),
      change ? el('dd', {}, change) : null);
  }

  function kpiTiles(rep) {
    const prevCases = rep.previousCases || {};
    const prevOf = {
      csat: [rep.previous.csat.avg, rep.previous.csat.n],
      npsAvg: [rep.previous.nps.avg, rep.previous.nps.n],
      firstContactResolution: [prevCases.firstContactResolutionShare, prevCases.resolved],
      handlingHours: [(prevCases.avgFirstContactMinutes || 0) / 60, prevCases.firstContacted],
      slaCompliance: [prevCases.contactedWithinSlaShare, (prevCases.openedApology || 0) + (prevCases.openedVisit || 0) - (prevCases.noContact || 0)],
    };
    const fmtOf = { csat: avg2, npsAvg: avg2, firstContactResolution: pct, handlingHours: hours, slaCompliance: pct };
    return rep.kpis.map((k) => {
      const fmt = fmtOf[k.name] || avg;
      const caseKPI = !['csat', 'npsAvg'].includes(k.name);
      const value = k.n > 0 ? fmt(k.actual) : t('console.dash.noData');
      const target = t(k.atMost ? 'console.dash.target.atMost' : 'console.dash.target.atLeast', { v: fmt(k.target) });
      const verdict = k.n > 0 ? el('span', { class: 'verdict ' + (k.met ? 'met' : 'missed') }, t(k.met ? 'console.dash.met' : 'console.dash.missed')) : null;
      const [pv, pn] = prevOf[k.name] || [0, 0];
      const tl = tile('kpi.' + k.name, t('console.dash.kpi.' + k.name), value,
        [target, verdict, t(caseKPI ? 'console.dash.nCases' : 'console.dash.n', { n: k.n })],
        delta(k.actual, pv, fmt, k.n > 0, pn > 0));
      tl.classList.add('kpi', k.n > 0 ? (k.met ? 'met' : 'missed') : 'none');
      return tl;
    });
  }

  function figureTiles(rep) {
    const f = rep.figures, p = rep.previous;
    const count = (v) => String(Math.round(v));
    return [
      tile('cards', t('console.dash.cards'), String(f.cards), [t('console.dash.cardsSplit', { online: f.online, paper: f.paper })], delta(f.cards, p.cards, count, true, true)),
      tile('comments', t('console.dash.comments'), String(f.comments), [], delta(f.comments, p.comments, count, true, true)),
      tile('csat', t('console.dash.csat'), f.csat.n ? avg(f.csat.avg) : t('console.dash.noData'),
        [f.csat.n ? t('console.dash.satisfied', { v: pct(f.csat.satisfied) }) : null, t('console.dash.n', { n: f.csat.n })],
        delta(f.csat.avg, p.csat.avg, avg, f.csat.n > 0, p.csat.n > 0)),
      tile('npsScore', t('console.dash.npsScore'), f.nps.n ? score(f.nps.score) : t('console.dash.noData'), [t('console.dash.n', { n: f.nps.n })],
        delta(f.nps.score, p.nps.score, score, f.nps.n > 0, p.nps.n > 0)),
      tile('npsAvg', t('console.dash.npsAvg'), f.nps.n ? avg(f.nps.avg) : t('console.dash.noData'), [t('console.dash.n', { n: f.nps.n })],
        delta(f.nps.avg, p.nps.avg, avg, f.nps.n > 0, p.nps.n > 0)),
      recoveryTile(rep),
    ];
  }

  // recoveryTile: the share of the range's cases (of diners we can
  // recognise) whose diner came back within 90 days, and how their overall
  // score moved, in words; "still counting" while they may yet come back.
  function recoveryTile(rep) {
    const r = rep.recovery || {}, pr = rep.previousRecovery || {};
    const notes = [r.recoverable ? t('console.dash.recovery.n', { recovered: r.recovered, recoverable: r.recoverable }) : t('console.dash.recovery.none')];
    if (r.scored) {
      const from = avg(r.complaintOverall), to = avg(r.laterOverall);
      const way = from === to ? 'same' : (r.laterOverall > r.complaintOverall ? 'up' : 'down');
      notes.push(t('console.dash.recovery.' + way, { from, to, n: r.scored }));
    }
    if (r.recoverable && r.countingUntil && storeDay(rep.storeId, new Date()) <= r.countingUntil) {
      notes.push(t('console.dash.recovery.open', { until: r.countingUntil }));
    }
    return tile('recovery', t('console.dash.recovery'), r.recoverable ? pct(r.rate) : t('console.dash.noData'), notes,
      delta(r.rate, pr.rate, pct, r.recoverable > 0, pr.recoverable > 0));
  }

  function readings(rep) {
    const f = rep.figures;
    const out = [];
    if (f.opportunity) {
      const it = f.items.find((i) => i.item === f.opportunity) || {};
      out.push(el('p', { id: 'd-opportunity', class: 'reading' }, t('console.dash.opportunity', { item: rep.itemNames[f.opportunity] || f.opportunity, avg: avg(it.avg) })));
    } else {
      out.push(el('p', { id: 'd-opportunity', class: 'reading muted' }, t('console.dash.noOpportunity')));
    }
    if (f.regularsOutnumberFirst) out.push(el('p', { id: 'd-regulars', class: 'reading' }, t('console.dash.regulars') + '.'));
    return out;
  }

  // chartBox shows one chart, with a button that swaps it for its table.
  function chartBox(c) {
    const id = 'd-chart-' + c.id;
    const box = el('section', { class: 'chart-box', id, 'data-chart': c.id, 'aria-labelledby': id + '-h' }, el('h4', { id: id + '-h' }, c.title));
    if (c.empty) { box.append(el('p', { class: 'hint' }, t('console.dash.chartEmpty'))); return box; }
    const picture = el('div', { class: 'svg' });
    const doc = new DOMParser().parseFromString(c.svg, 'image/svg+xml'); // the server's SVG, as XML: never run as HTML
    if (doc.documentElement.nodeName === 'svg') picture.append(document.importNode(doc.documentElement, true));
    const table = el('table', { class: 'list chart-table', id: id + '-table', hidden: '' }, el('caption', {}, c.title));
    const head = el('tr', {});
    c.table.columns.forEach((col) => head.append(el('th', { scope: 'col' }, col)));
    table.append(el('thead', {}, head));
    const tb = el('tbody', {});
    for (const row of c.table.rows) {
      tb.append(el('tr', {}, el('th', { scope: 'row' }, row[0]), ...row.slice(1).map((v) => el('td', { class: 'num' }, v))));
    }
    table.append(tb);
    const wrap = el('div', { class: 'table-wrap' }, table);
    const toggle = el('button', { type: 'button', class: 'secondary show-table', 'aria-controls': id + '-table', 'aria-expanded': 'false' }, t('console.dash.showTable'));
    toggle.addEventListener('click', () => {
      const showTable = table.hidden;
      table.hidden = !showTable;
      picture.hidden = showTable;
      toggle.setAttribute('aria-expanded', String(showTable));
      toggle.textContent = t(showTable ? 'console.dash.showChart' : 'console.dash.showTable');
    });
    box.append(toggle, picture, wrap);
    return box;
  }

  let asked = 0; // the latest load; an older answer arriving late is dropped
  async function load() {
    const mine = ++asked;
    const store = storeSel.value;
    const [f, tt] = rangeOf(presetSel.value, storeDay(store, new Date()));
    const q = new URLSearchParams({ lang });
    if (f) q.set('from', f);
    if (tt) q.set('to', tt);
    if (mealSel.value) q.set('meal', mealSel.value);
    if (sourceSel.value) q.set('source', sourceSel.value);
    status(t('console.loading'));
    root.setAttribute('aria-busy', 'true');
    // The ranking is asked at the same time; its failure leaves the
    // store's dashboard standing.
    const ranked = ranks ? api('/api/v1/brands/' + encodeURIComponent(brandId) + '/insight?' + q).catch((e) => ({ failed: e })) : null;
    try {
      const rep = await api('/api/v1/stores/' + encodeURIComponent(store) + '/insight?' + q);
      if (mine !== asked) return;
      render(rep);
      status('');
      if (ranked) {
        const b = await ranked;
        if (mine !== asked) return;
        body.append(rankingSection(b));
      }
    } catch (e) {
      if (mine !== asked) return;
      body.replaceChildren();
      range.textContent = '';
      const words = (e.fields || []).map((x) => x.message).join(' ');
      status(e.status === 403 ? t('console.forbidden') : (e.message + (words ? ' ' + words : '')), true);
    } finally {
      if (mine === asked) root.removeAttribute('aria-busy');
    }
  }

  function render(rep) {
    range.replaceChildren(el('strong', {}, rep.storeName + ' · ' + t('console.dash.range', { from: rep.from, to: rep.to })),
      el('br', {}), t('console.dash.compare', { from: rep.previousFrom, to: rep.previousTo }));
    if (rep.empty) {
      body.replaceChildren(el('p', { id: 'd-empty', class: 'empty' }, t('console.dash.empty')));
      return;
    }
    const section = (id, key, ...kids) => el('section', { id, 'aria-labelledby': id + '-h' }, el('h3', { id: id + '-h' }, t(key)), ...kids);
    body.replaceChildren(
      section('d-kpis', 'console.dash.kpis', el('dl', { class: 'tiles' }, ...kpiTiles(rep))),
      section('d-figures', 'console.dash.figures', el('dl', { class: 'tiles' }, ...figureTiles(rep))),
      section('d-readings', 'console.dash.readings', ...readings(rep)),
      section('d-charts', 'console.dash.charts', ...rep.chartOrder.map((id) => chartBox(rep.charts[id]))));
  }

  // The store ranking: area managers see their stores, operations and
  // admin every store, against the brand average.
  const groups = (me && me.groups) || [];
  const ranks = groups.some((g) => g === 'area_manager' || g === 'operations' || g === 'admin');
  const brandId = (me && me.brand) || (stores[0] && stores[0].brandId) || '';
  const rankFmt = { csat: avg, npsAvg: avg, firstContactResolution: pct, handlingHours: hours, slaCompliance: pct };
  function rankingSection(b) {
    const kids = [];
    if (b.failed) {
      kids.push(el('p', { class: 'error' }, t('console.rank.error') + ' ' + (b.failed.message || '')));
    } else if (b.empty) {
      kids.push(el('p', { id: 'd-rank-empty', class: 'empty' }, t('console.rank.empty')));
    } else {
      kids.push(el('p', { class: 'hint' }, t(b.scope === 'area' ? 'console.rank.lead.area' : 'console.rank.lead.brand', { n: b.stores.length })));
      const kpis = b.average.kpis.map((k) => k.name);
      const head = el('tr', {}, el('th', { scope: 'col' }, t('console.rank.store')), el('th', { scope: 'col', class: 'num' }, t('console.rank.cards')),
        ...kpis.map((k) => el('th', { scope: 'col', class: 'num' }, t('console.dash.kpi.' + k))));
      const line = (name, r, average) => el('tr', average ? { class: 'average' } : { 'data-store': r.storeId },
        el('th', { scope: 'row' }, name),
        el('td', { class: 'num', 'data-kpi': 'cards', 'data-value': String(r.cards) }, String(r.cards)),
        ...r.kpis.map((k) => {
          const value = k.n > 0 ? (rankFmt[k.name] || avg)(k.actual) : t('console.dash.noData');
          const cell = el('td', { class: 'num', 'data-kpi': k.name, 'data-value': value }, value);
          if (!average) cell.append(el('span', { class: 'rank' }, k.rank > 0 ? t('console.rank.place', { r: k.rank }) : t('console.rank.noRank')));
          return cell;
        }));
      const table = el('table', { class: 'list ranking', id: 'd-rank-table' }, el('caption', {}, t('console.rank.caption')),
        el('thead', {}, head),
        el('tbody', {}, ...b.stores.map((r) => line(b.storeNames[r.storeId] || r.storeId, r, false))),
        el('tfoot', {}, line(t('console.rank.average'), b.average, true)));
      kids.push(el('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'd-ranking-h' }, table));
      const name = (id) => b.storeNames[id] || id;
      const moves = b.movers.flatMap((m) => {
        const kpi = t('console.dash.kpi.' + m.kpi);
        const said = (mv, key) => t(key, { kpi, store: name(mv.storeId), from: avg(mv.previous), to: avg(mv.actual), d: avg(Math.abs(mv.change)) });
        return [m.best ? said(m.best, 'console.rank.best') : t('console.rank.noBest', { kpi }),
          m.worst ? said(m.worst, 'console.rank.worst') : t('console.rank.noWorst', { kpi })];
      });
      kids.push(el('h4', { id: 'd-movers-h' }, t('console.rank.movers')),
        el('ul', { id: 'd-movers', 'aria-labelledby': 'd-movers-h' }, ...moves.map((m) => el('li', {}, m))),
        el('p', { class: 'hint' }, t('console.rank.moverRule', { n: b.minMoverN }) + ' ' + t('console.rank.note')));
    }
    return el('section', { id: 'd-ranking', 'aria-labelledby': 'd-ranking-h' }, el('h3', { id: 'd-ranking-h' }, t('console.rank.title')), ...kids);
  }

  let loaded = false;
  return {
    async show() {
      if (!loaded) { loaded = true; await load(); }
    },
  };
};
