/// The dashboard's script: token handling, panels, the live alert list and the actions (no libraries).
extension DashboardPage {
    static let script = #"""
    (() => {
    \#(PageScript.prelude(tokenKey: "lienthong.supervisorToken"))
    const local = (t) => t ? `${t.slice(11, 16)} ${t.slice(8, 10)}/${t.slice(5, 7)}/${t.slice(0, 4)}` : '–';
    const alerts = new Map();
    const fresh = new Set();
    let lastEventId = null, panelTimer = null, started = false;

    function fillFilters() {
      const option = (v, label) => `<option value="${esc(v)}">${esc(label)}</option>`;
      $('filter-type').innerHTML = option('', S.all) + Object.entries(S.types).map(([k, v]) => option(k, v)).join('');
      $('filter-agency').innerHTML = option('', S.all) + Object.entries(S.agencies).map(([k, v]) => option(k, v)).join('') + option('-', S.wholeDossier);
    }

    function renderAlerts() {
      const type = $('filter-type').value, agency = $('filter-agency').value;
      const rows = [...alerts.values()]
        .filter((a) => (!type || a.type === type) && (!agency || (agency === '-' ? !a.agency : a.agency === agency)))
        .sort((a, b) => (b.openedAt || '').localeCompare(a.openedAt || ''));
      $('alert-count').textContent = alerts.size;
      $('alert-rows').innerHTML = rows.length === 0
        ? `<tr><td colspan="8" class="empty">${esc(S.noAlerts)}</td></tr>`
        : rows.map((a) => `<tr class="alert-row t-${esc(a.type)}${fresh.has(a.id) ? ' fresh' : ''}" data-alert-id="${esc(a.id)}" data-type="${esc(a.type)}">
            <td>${esc(S.types[a.type] || a.type)}</td><td>${esc(a.agency ? (S.agencies[a.agency] || a.agency) : S.wholeDossier)}</td>
            <td><a href="#" data-search="${esc(a.dossierId)}">${esc(a.dossierId)}</a></td><td>${local(a.openedAt)}</td><td>${local(a.dueAt)}</td>
            <td>${esc(S.statuses[a.status] || a.status)}</td><td>${esc(a.message)}</td>
            <td>${a.status === 'open' ? `<button type="button" data-ack="${esc(a.id)}">${esc(S.acknowledge)}</button>` : ''}</td></tr>`).join('');
      fresh.clear();
    }

    async function loadAlerts() {
      const items = [];
      for (const status of ['open', 'acknowledged']) {
        const body = await (await api(`/v1/alerts?status=${status}&limit=200`)).json();
        items.push(...body.items);
      }
      alerts.clear();
      for (const a of items) alerts.set(a.id, a);
      renderAlerts();
    }

    async function loadPanels() {
      clearTimeout(panelTimer); panelTimer = null;
      $('panels').innerHTML = await (await api('/dashboard/panels?' + langQuery)).text();
    }
    const schedulePanels = () => { if (!panelTimer) panelTimer = setTimeout(() => loadPanels().catch(fail), 1000); };

    function apply(block) {
      let id = null, event = 'message', data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trimStart();
      }
      if (id) lastEventId = id;
      if (event !== 'alert' || !data) return;
      const a = JSON.parse(data);
      if (a.status === 'resolved') alerts.delete(a.id); else { alerts.set(a.id, a); fresh.add(a.id); }
      renderAlerts();
      schedulePanels();
    }

    // The alert stream; resumes with Last-Event-ID, and lists every alert afresh on a first connection.
    function stream() {
      follow('/v1/alerts/stream', () => (lastEventId ? {'Last-Event-ID': lastEventId} : {}),
             async () => { if (!lastEventId) await loadAlerts(); }, apply);
    }

    async function search(q) {
      if (!q) return;
      $('q').value = q;
      const response = await api(`/dashboard/search?${langQuery}&q=${encodeURIComponent(q)}`);
      $('search-result').innerHTML = await response.text();
    }

    async function start() {
      $('login').hidden = true; $('app').hidden = false; $('logout').hidden = false;
      try {
        await loadPanels();
      } catch (e) { fail(e); return; }
      if (!started) { started = true; setInterval(() => { if (token) loadPanels().catch(fail); }, 60000); }
      stream();
    }

    document.addEventListener('click', (event) => {
      const target = event.target.closest('[data-redrive],[data-ack],[data-search]');
      if (!target) return;
      event.preventDefault();
      if (target.dataset.redrive) {
        target.disabled = true;
        api(`/v1/deliveries/${encodeURIComponent(target.dataset.redrive)}/redrive`, {method: 'POST'})
          .then(() => { toast(S.redriven); return loadPanels(); }).catch(fail);
      } else if (target.dataset.ack) {
        target.disabled = true;
        api(`/v1/alerts/${encodeURIComponent(target.dataset.ack)}/acknowledge`, {method: 'POST'})
          .then((r) => r.json()).then((a) => { alerts.set(a.id, a); renderAlerts(); }).catch(fail);
      } else {
        search(target.dataset.search).catch(fail);
        $('search').scrollIntoView({behavior: 'smooth'});
      }
    });
    $('search').addEventListener('submit', (event) => { event.preventDefault(); search($('q').value.trim()).catch(fail); });
    $('filter-type').addEventListener('change', renderAlerts);
    $('filter-agency').addEventListener('change', renderAlerts);
    $('login').addEventListener('submit', (event) => {
      event.preventDefault();
      token = $('token').value.trim();
      sessionStorage.setItem(KEY, token);
      start();
    });
    $('logout').addEventListener('click', () => { signIn(''); location.reload(); });
    fillFilters();
    if (token) start(); else signIn('');
    })();
    """#
}
