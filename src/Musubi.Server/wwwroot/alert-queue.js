// Live alert queue (/alerts): the page is rendered on the server, so this polls the same page (with the session
// cookie, like a reload) and adds rows for alerts that arrived since, keeping what the user has ticked.
(() => {
  let timer = null;

  function start() {
    clearInterval(timer);
    const live = document.getElementById('alert-live');
    if (!live) return;
    timer = setInterval(poll, parseInt(live.dataset.interval || '5000', 10));
  }

  async function poll() {
    const rows = document.getElementById('alert-rows');
    if (!rows) { clearInterval(timer); return; }
    let doc;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) return;
      doc = new DOMParser().parseFromString(await response.text(), 'text/html');
    } catch { return; }
    const fresh = doc.getElementById('alert-rows');
    if (!fresh) return;
    const known = new Map([...rows.querySelectorAll('tr[data-alert-id]')].map(r => [r.dataset.alertId, r]));
    const arrived = [];
    for (const row of fresh.querySelectorAll('tr[data-alert-id]')) {
      const mine = known.get(row.dataset.alertId);
      if (!mine) { arrived.push(row); continue; }
      // Status changes by colleagues (acknowledged, escalated) show too.
      const status = mine.querySelector('.alert-status'), newStatus = row.querySelector('.alert-status');
      if (status && newStatus && status.innerHTML !== newStatus.innerHTML) {
        status.innerHTML = newStatus.innerHTML;
        mine.className = row.className;
        const box = mine.querySelector('input[type=checkbox]');
        if (box && row.querySelector('input[disabled]')) { box.checked = false; box.disabled = true; }
      }
    }
    for (const row of arrived.reverse()) {
      const copy = document.importNode(row, true);
      copy.classList.add('arrived');
      rows.prepend(copy);
    }
    const total = doc.getElementById('alert-total');
    if (total) document.getElementById('alert-total').textContent = total.textContent;
    if (arrived.length) document.getElementById('no-alerts')?.setAttribute('hidden', '');
  }

  start();
  if (window.Blazor && Blazor.addEventListener) Blazor.addEventListener('enhancedload', start);
})();
