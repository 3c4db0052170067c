// The diner's "send it again" page (diners.retryPage): after Retry-After
// seconds the form posts itself again, with the same answers and the same
// submissionId, so a card is stored once. Without JavaScript the button does
// the same.
(() => {
  const form = document.getElementById('retry');
  if (!form || form.dataset.auto !== 'true') return;
  const wait = Math.max(1, Number(form.dataset.retryAfter) || 2);
  setTimeout(() => form.requestSubmit(), wait * 1000);
})();
