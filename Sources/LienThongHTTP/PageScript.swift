/// What the pages' scripts share (no libraries): the words, the token kept in session storage (taken from a
/// `#token=` fragment and removed from the address bar), API calls with the token, the toast, the sign-in form,
/// the live indicator and reading a Server-Sent Events stream with `fetch` (a browser's EventSource cannot send a
/// bearer token). Each page's script follows it inside the same function, so these names are in its scope.
enum PageScript {
    static func prelude(tokenKey: String) -> String {
        #"""
        'use strict';
        const S = JSON.parse(document.getElementById('strings').textContent);
        const lang = document.documentElement.lang, langQuery = lang === 'en' ? 'lang=en' : 'lang=vi';
        const $ = (id) => document.getElementById(id);
        const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
        const KEY = '\#(tokenKey)';
        let token = sessionStorage.getItem(KEY);

        // A token in the URL fragment (#token=…) moves into session storage and leaves the address bar.
        const tokenInFragment = location.hash.match(/(?:^#|&)token=([^&]+)/);
        if (tokenInFragment) {
          token = decodeURIComponent(tokenInFragment[1]);
          sessionStorage.setItem(KEY, token);
          history.replaceState(null, '', location.pathname + location.search);
        }

        class AuthError extends Error {}
        class ProblemError extends Error {
          constructor(status, problem) { super(problem.detail || problem.title || String(status)); this.status = status; this.problem = problem; }
        }
        async function api(path, options = {}) {
          const headers = {...(options.headers || {}), Authorization: 'Bearer ' + token};
          if (options.body) headers['Content-Type'] = 'application/json';
          const response = await fetch(path, {...options, headers});
          if (response.status === 401 || response.status === 403) throw new AuthError(String(response.status));
          if (!response.ok) {
            let problem = {};
            try { problem = await response.json(); } catch (e) {}
            throw new ProblemError(response.status, problem);
          }
          return response;
        }

        function toast(text) {
          const el = $('toast'); el.textContent = text; el.classList.add('show');
          setTimeout(() => el.classList.remove('show'), 3000);
        }

        function signIn(message) {
          token = null; sessionStorage.removeItem(KEY);
          $('app').hidden = true; $('logout').hidden = true; $('login').hidden = false;
          $('login-error').textContent = message || '';
        }

        function fail(e) {
          if (e instanceof AuthError) signIn(S.badToken); else toast(S.failed + ': ' + e.message);
        }

        function setLive(on) {
          $('live').className = 'live ' + (on ? 'on' : 'off');
          $('live').textContent = (on ? '● ' : '○ ') + (on ? S.live : S.offline);
        }

        // Follows an event stream for as long as the token is good: `onOpen` when connected, `onBlock` with each
        // event's text; reconnects 2 s after a drop, with `headers()` (say, Last-Event-ID) computed again.
        async function follow(path, headers, onOpen, onBlock) {
          for (;;) {
            try {
              const response = await fetch(path, {headers: {...headers(), Authorization: 'Bearer ' + token}});
              if (response.status === 401 || response.status === 403) { signIn(S.badToken); return; }
              if (!response.ok || !response.body) throw new Error(String(response.status));
              setLive(true);
              await onOpen();
              const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
              let buffer = '';
              for (;;) {
                const {value, done} = await reader.read();
                if (done) break;
                buffer += value.replace(/\r\n/g, '\n');
                let cut;
                while ((cut = buffer.indexOf('\n\n')) >= 0) { onBlock(buffer.slice(0, cut)); buffer = buffer.slice(cut + 2); }
              }
            } catch (e) {
              if (!token) return;
            }
            setLive(false);
            await new Promise((resolve) => setTimeout(resolve, 2000));
            if (!token) return;
          }
        }
        """#
    }
}
