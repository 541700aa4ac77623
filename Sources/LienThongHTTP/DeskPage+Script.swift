/// The desk's script (no libraries): the token, building request bodies from the forms' JSON Pointers, showing a
/// 422's problems at their fields, the receipt, and the live work list with its actions.
extension DeskPage {
    static let script = #"""
    (() => {
    \#(PageScript.prelude(tokenKey: "lienthong.wardToken"))
    let ward = null, refreshTimer = null, refreshWanted = false, started = false;

    // Values as Vietnamese officers type them: 5/3/2026, 05-03-2026, 05.03.2026 → 2026-03-05; 0912 345 678 → +84912345678.
    function normalise(type, value) {
      value = value.trim();
      if (type === 'date') {
        const d = value.match(/^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})$/) || value.match(/^(\d{2})(\d{2})(\d{4})$/);
        if (d) return `${d[3]}-${d[2].padStart(2, '0')}-${d[1].padStart(2, '0')}`;
      } else if (type === 'phone') {
        const digits = value.replace(/[\s.\-()]/g, '');
        if (/^0\d{9}$/.test(digits)) return '+84' + digits.slice(1);
        if (/^84\d{9}$/.test(digits)) return '+' + digits;
        return digits;
      } else if (type === 'country') {
        return value.toUpperCase();
      }
      return value;
    }

    // The request body from every visible input with a data-pointer (empty ones left out).
    function collect(form) {
      const body = {};
      for (const el of form.querySelectorAll('[data-pointer]')) {
        if (!('value' in el) || el.closest('[hidden]')) continue;
        const value = normalise(el.dataset.type || 'text', el.value);
        if (value === '') continue;
        const keys = el.dataset.pointer.split('/').slice(1);
        let node = body;
        keys.forEach((key, i) => {
          if (i === keys.length - 1) { node[key] = value; return; }
          if (node[key] === undefined) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
          node = node[key];
        });
      }
      for (const value of Object.values(body)) if (Array.isArray(value)) for (let i = value.length - 1; i >= 0; i--) if (value[i] === undefined) value.splice(i, 1);
      return body;
    }

    function translate(detail) {
      for (const p of S.problems) if (detail.startsWith(p.en)) return p.vi;
      return detail;
    }

    function clearProblems(form, summary) {
      for (const el of form.querySelectorAll('[aria-invalid]')) { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby'); }
      for (const p of form.querySelectorAll('.problem')) { p.textContent = ''; p.hidden = true; }
      if (summary) { summary.hidden = true; summary.innerHTML = ''; }
    }

    // Each problem next to the input at its JSON Pointer (or the first input under it), linked from a summary.
    function showProblems(form, problems, summary, prefix = '') {
      clearProblems(form, summary);
      const links = [];
      for (const problem of problems) {
        const pointer = prefix && problem.pointer.startsWith(prefix + '/') ? problem.pointer.slice(prefix.length) : problem.pointer;
        const inputs = [...form.querySelectorAll('[data-pointer]')].filter((el) => 'value' in el);
        const input = inputs.find((el) => el.dataset.pointer === pointer) || inputs.find((el) => el.dataset.pointer.startsWith(pointer + '/'));
        const text = translate(problem.detail || '');
        if (input) {
          const holder = $(input.id + '-problem');
          holder.textContent = holder.textContent ? holder.textContent + '; ' + text : text;
          holder.hidden = false;
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', holder.id);
          const label = form.querySelector(`label[for="${input.id}"]`);
          links.push(`<li><a href="#${input.id}">${esc(label ? label.textContent.replace(/\s*\*$/, '') : pointer)}: ${esc(text)}</a></li>`);
        } else {
          links.push(`<li>${esc(pointer || '/')}: ${esc(text)}</li>`);
        }
      }
      const target = summary || form.querySelector('.summary');
      if (target) {
        target.innerHTML = `<p><strong>${esc(S.summary)}</strong></p><ul>${links.join('')}</ul>`;
        target.hidden = false;
        target.focus();
      } else {
        const first = form.querySelector('[aria-invalid="true"]');
        if (first) first.focus();
      }
    }

    // One Idempotency-Key per distinct body: a double press never files the dossier twice.
    const attempts = new WeakMap();
    function idempotencyKey(form, text) {
      const last = attempts.get(form);
      if (last && last.text === text) return last.key;
      const key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).toString();
      attempts.set(form, {text, key});
      return key;
    }

    async function submitIntake(form) {
      const body = {procedure: form.dataset.procedure, ward, ...collect(form)};
      const include = [...form.querySelectorAll('[data-include]')].filter((c) => c.checked).map((c) => c.dataset.include);
      if (form.querySelector('[data-include]')) body.include = include;
      const text = JSON.stringify(body);
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        const created = await (await api('/v1/dossiers', {method: 'POST', body: text, headers: {'Idempotency-Key': idempotencyKey(form, text)}})).json();
        clearProblems(form, $('summary'));
        const receipt = await (await api(`/desk/receipt/${encodeURIComponent(created.id)}?${langQuery}`)).text();
        $('receipt').innerHTML = receipt;
        $('receipt').hidden = false;
        $('intake').hidden = true;
        attempts.delete(form);
        form.reset();
        $('receipt-doc').focus();
        refreshSoon();
      } catch (e) {
        if (e instanceof ProblemError && e.problem.errors) showProblems(form, e.problem.errors, $('summary'));
        else if (e instanceof ProblemError && e.status === 409) showProblems(form, [{pointer: '', detail: `${S.duplicate}: ${e.message}`}], $('summary'));
        else fail(e);
      } finally { button.disabled = false; }
    }

    function showForm(code) {
      for (const form of document.querySelectorAll('form.intake')) form.hidden = form.dataset.procedure !== code;
      clearProblems(document.querySelector(`form.intake[data-procedure="${code}"]`), $('summary'));
    }

    function toggleIncluded(form) {
      const on = new Set([...form.querySelectorAll('[data-include]')].filter((c) => c.checked).map((c) => c.dataset.include));
      for (const section of form.querySelectorAll('[data-included-with]')) section.hidden = !on.has(section.dataset.includedWith);
    }

    function addItem(button) {
      const items = button.closest('fieldset').querySelector('.items');
      const last = items.lastElementChild, index = items.children.length;
      const copy = last.cloneNode(true);
      copy.dataset.index = String(index);
      for (const el of copy.querySelectorAll('[data-pointer]')) {
        el.dataset.pointer = el.dataset.pointer.replace(/\/\d+\/(\w+)$/, `/${index}/$1`);
        el.name = el.dataset.pointer;
        el.id = el.id.replace(/-\d+-(\w+)$/, `-${index}-$1`);
        if ('value' in el) el.value = '';
        el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby');
      }
      for (const label of copy.querySelectorAll('label')) label.htmlFor = label.htmlFor.replace(/-\d+-(\w+)$/, `-${index}-$1`);
      for (const p of copy.querySelectorAll('.problem')) { p.id = p.id.replace(/-\d+-(\w+)-problem$/, `-${index}-$1-problem`); p.hidden = true; p.textContent = ''; }
      items.appendChild(copy);
      const first = copy.querySelector('input,select');
      if (first) first.focus();
    }

    // The ward's work: fetched again after each change the stream reports, but never under the officer's hands.
    function busy() {
      const area = $('work-area'), active = document.activeElement;
      if (active && area.contains(active) && active.matches('input,select,textarea')) return true;
      return [...area.querySelectorAll('input[type="text"]')].some((el) => el.value !== el.defaultValue);
    }

    async function loadWork() {
      clearTimeout(refreshTimer); refreshTimer = null;
      if (busy()) { refreshWanted = true; return; }
      refreshWanted = false;
      const text = await (await api('/desk/work?' + langQuery)).text();
      const area = $('work-area');
      const open = new Set([...area.querySelectorAll('details[open]')].map((d) => d.closest('[data-task-id]')?.dataset.taskId));
      area.innerHTML = text;
      for (const d of area.querySelectorAll('details')) if (open.has(d.closest('[data-task-id]')?.dataset.taskId)) d.open = true;
      const root = $('work');
      if (root && root.dataset.ward) { ward = root.dataset.ward; $('ward-line').textContent = `${S.ward} ${ward}`; }
    }
    const refreshSoon = () => { if (!refreshTimer) refreshTimer = setTimeout(() => loadWork().catch(fail), 400); };

    function stream() {
      // After each (re)connection the list is fetched again: changes may have happened while disconnected.
      follow('/desk/stream', () => ({}), async () => refreshSoon(), (block) => { if (/^event: change$/m.test(block)) refreshSoon(); });
    }

    // A work item's action: its form's fields become the request body.
    async function act(form) {
      const action = form.dataset.action, id = encodeURIComponent(form.dataset.dossierId);
      const fields = collect(form);
      let path, body;
      if (action === 'accept') { path = `/v1/dossiers/${id}/accept`; body = {}; }
      else if (action === 'refuse') { path = `/v1/dossiers/${id}/refuse`; body = {reason: fields.reason || ''}; }
      else if (action === 'return') { path = `/v1/dossiers/${id}/return`; body = {channel: fields.channel || 'counter'}; }
      else if (action === 'withdraw') { path = `/v1/dossiers/${id}/withdraw`; body = {reason: fields.reason || ''}; }
      else {
        const {note, ...data} = fields;
        body = {data};
        if (note) body.note = note;
        if (action === 'supplement') { path = `/v1/dossiers/${id}/supplements`; body.taskId = form.dataset.taskId; }
        else path = `/v1/dossiers/${id}/tasks/${encodeURIComponent(form.dataset.taskId)}/resubmit`;
      }
      for (const b of form.querySelectorAll('button')) b.disabled = true;
      try {
        await api(path, {method: 'POST', body: JSON.stringify(body)});
        toast(S.done[action] || 'OK');
        for (const el of form.querySelectorAll('input[type="text"]')) el.defaultValue = el.value;
        // Let the list refresh under the form just used, but never take the focus from wherever the officer went since.
        if (form.contains(document.activeElement)) document.activeElement.blur();
        if (form.closest('#found')) await find($('q').value);
        await loadWork();
      } catch (e) {
        if (e instanceof ProblemError && e.problem.errors) showProblems(form, e.problem.errors, null, '/data');
        else fail(e);
      } finally { for (const b of form.querySelectorAll('button')) b.disabled = false; }
    }

    // A dossier of the ward by tracking code or id, with what can be done with it.
    async function find(q) {
      q = q.trim();
      if (!q) return;
      $('found').innerHTML = await (await api(`/desk/dossier?${langQuery}&q=${encodeURIComponent(q)}`)).text();
      $('found').hidden = false;
    }

    async function start() {
      $('login').hidden = true; $('app').hidden = false; $('logout').hidden = false;
      try { await loadWork(); } catch (e) { fail(e); return; }
      if (!started) {
        started = true;
        setInterval(() => { if (token && !busy()) loadWork().catch(fail); }, 60000);
        document.addEventListener('focusout', () => setTimeout(() => { if (refreshWanted && !busy()) loadWork().catch(fail); }, 50));
      }
      stream();
    }

    document.addEventListener('submit', (event) => {
      const form = event.target;
      if (form.id === 'find') {
        event.preventDefault();
        find($('q').value).catch(fail);
      } else if (form.id === 'login') {
        event.preventDefault();
        token = $('token').value.trim();
        sessionStorage.setItem(KEY, token);
        start();
      } else if (form.classList.contains('intake')) {
        event.preventDefault();
        submitIntake(form);
      } else if (form.dataset.action) {
        event.preventDefault();
        act(form);
      }
    });
    document.addEventListener('reset', (event) => { if (event.target.classList.contains('intake')) clearProblems(event.target, $('summary')); });
    document.addEventListener('change', (event) => {
      if (event.target.id === 'procedure') showForm(event.target.value);
      if (event.target.dataset.include !== undefined) toggleIncluded(event.target.closest('form'));
    });
    document.addEventListener('click', (event) => {
      const target = event.target.closest('[data-print],[data-close-receipt],[data-add-item]');
      if (!target) return;
      if (target.dataset.print !== undefined) window.print();
      else if (target.dataset.addItem !== undefined) addItem(target);
      else {
        $('receipt').hidden = true; $('receipt').innerHTML = ''; $('intake').hidden = false;
        const first = document.querySelector('form.intake:not([hidden]) input, form.intake:not([hidden]) select');
        if (first) first.focus();
      }
    });
    $('logout').addEventListener('click', () => { signIn(''); location.reload(); });
    for (const form of document.querySelectorAll('form.intake')) toggleIncluded(form);
    showForm($('procedure').value);
    if (token) start(); else signIn('');
    })();
    """#
}
