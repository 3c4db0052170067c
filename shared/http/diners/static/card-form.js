// The diner's card (diners.cardForm), made easier where JavaScript runs;
// without it the card works the same (the server checks every answer):
//  - the birthday's day menu offers only the days of the chosen month
//    (February: 29, as a birthday without a year may be 29 February);
//  - a progress line counts the questions answered;
//  - a link of the step list opens the collapsed part it points to.
(() => {
  const form = document.getElementById('card');
  if (!form) return;

  const month = document.getElementById('birthday-month');
  const day = document.getElementById('birthday-day');
  const daysIn = (m) => (m === 2 ? 29 : [4, 6, 9, 11].includes(m) ? 30 : 31);
  const fitDays = () => {
    const max = month.value ? daysIn(Number(month.value)) : 31;
    for (const o of day.options) {
      const out = o.value !== '' && Number(o.value) > max;
      o.hidden = out;
      o.disabled = out;
    }
    if (day.value !== '' && Number(day.value) > max) day.value = '';
  };
  if (month && day) {
    month.addEventListener('change', fitDays);
    fitDays();
  }

  // A question is a name of the form's visible controls; the birthday's
  // three menus are one question.
  const progress = document.getElementById('card-progress');
  const bar = document.getElementById('card-progress-bar');
  const text = document.getElementById('card-progress-text');
  const question = (name) => (name.startsWith('birthday.') ? 'birthday' : name);
  const update = () => {
    const all = new Set();
    const answered = new Set();
    for (const el of form.elements) {
      if (!el.name || el.type === 'hidden' || el.type === 'submit') continue;
      const q = question(el.name);
      all.add(q);
      const filled = el.type === 'radio' || el.type === 'checkbox' ? el.checked : el.value.trim() !== '' && !el.dataset.prefilled;
      if (filled) answered.add(q);
    }
    bar.max = all.size;
    bar.value = answered.size;
    text.textContent = progress.dataset.text.replace('{n}', answered.size).replace('{total}', all.size);
  };
  if (progress && bar && text) {
    // What the page filled in itself (today's date, the page's language)
    // is not an answer until the diner changes it.
    for (const id of ['visitDate', 'diner-language']) {
      const el = document.getElementById(id);
      if (el) {
        el.dataset.prefilled = '1';
        el.addEventListener('change', () => { delete el.dataset.prefilled; });
      }
    }
    form.addEventListener('change', update);
    form.addEventListener('input', update);
    update();
    progress.hidden = false;
  }

  for (const a of document.querySelectorAll('nav.steps a[href^="#"]')) {
    a.addEventListener('click', () => {
      const target = document.getElementById(a.getAttribute('href').slice(1));
      if (target && target.tagName === 'DETAILS') target.open = true;
    });
  }
})();
