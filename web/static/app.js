// Trellis pages: small progressive enhancements. Every page works without
// this script; it adds "use my location", a print button, a live count on
// "My list", and, on kiosks, the reset to the start page after idle time.
// It stores nothing: no cookies, no localStorage.
(function () {
  'use strict';
  var body = document.body;

  // Use my location: only where the browser can (a secure context with
  // geolocation). The position is rounded to about 100 m and goes into the
  // form's "here" field; nothing is sent until the visitor searches.
  var locate = document.querySelector('[data-locate]');
  var here = document.querySelector('[data-here]');
  var near = document.getElementById('near');
  var status = document.querySelector('[data-here-status]');
  if (locate && here && 'geolocation' in navigator && window.isSecureContext) {
    locate.hidden = false;
    locate.addEventListener('click', function () {
      status.textContent = locate.getAttribute('data-finding');
      navigator.geolocation.getCurrentPosition(function (pos) {
        here.value = pos.coords.latitude.toFixed(3) + ',' + pos.coords.longitude.toFixed(3);
        if (near) { near.value = ''; }
        status.textContent = locate.getAttribute('data-found');
      }, function () {
        status.textContent = locate.getAttribute('data-failed');
      }, { maximumAge: 600000, timeout: 15000 });
    });
  }
  if (near && here) {
    near.addEventListener('input', function () {
      if (here.value) {
        here.value = '';
        if (status) { status.textContent = ''; }
      }
    });
  }

  // Print buttons.
  Array.prototype.forEach.call(document.querySelectorAll('[data-print]'), function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });

  // Copy buttons (the agency link).
  var copy = document.querySelector('[data-copy]');
  var copySrc = document.querySelector('[data-copy-src]');
  if (copy && copySrc && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener('click', function () {
      navigator.clipboard.writeText(copySrc.value).then(function () {
        var st = document.querySelector('[data-copy-status]');
        if (st) { st.textContent = copy.getAttribute('data-copied'); }
      });
    });
  }

  // "My list (n)" follows the ticks on the page before it is submitted.
  var mylist = document.querySelectorAll('[data-mylist]');
  var form = document.getElementById('f');
  if (mylist.length && form) {
    var count = function () {
      var ids = {};
      Array.prototype.forEach.call(form.querySelectorAll('input[name="pick"]'), function (i) {
        if (i.type === 'hidden' || i.checked) { ids[i.value] = true; }
      });
      return Object.keys(ids).length;
    };
    form.addEventListener('change', function (e) {
      if (!e.target.hasAttribute('data-pick')) { return; }
      var n = String(count());
      Array.prototype.forEach.call(mylist, function (b) {
        b.textContent = b.getAttribute('data-label').replace('{count}', n);
      });
    });
  }

  if (!body.hasAttribute('data-kiosk')) { return; }

  // Kiosk. Kiosk forms are posted, so searches never reach the address
  // bar or the history list; replacing this entry's address with the start
  // page means Back shows the start page, not a search.
  history.replaceState(null, '', '/');

  // Back and Forward must not bring a search back: a page the browser
  // restores from its back-forward cache, or loads again from history
  // (re-posting its form), starts over instead.
  window.addEventListener('pageshow', function (e) {
    var nav = performance.getEntriesByType ? performance.getEntriesByType('navigation')[0] : null;
    if ((e.persisted || (nav && nav.type === 'back_forward')) && body.hasAttribute('data-reset')) {
      location.replace('/');
    }
  });

  // Start over after the idle time. A warning gives the visitor a chance
  // to stay. The start page starts over only once someone has typed.
  var idle = parseInt(body.getAttribute('data-idle'), 10) * 1000;
  if (!(idle > 0)) { return; }
  var dirty = body.hasAttribute('data-reset');
  var warn = document.querySelector('[data-idle-warn]');
  var stay = document.querySelector('[data-stay]');
  var countdown = document.querySelector('[data-countdown]');
  var steps = countdown ? countdown.getAttribute('data-countdown').split('\n') : [];
  var warnFor = Math.min(20000, idle / 4);
  var warnTimer = 0, resetTimer = 0, tick = 0;
  var startOver = function () { location.replace('/'); };
  // The warning counts down the seconds left, in words the server wrote
  // for each second (the plural rules are the message catalog's).
  var showWarning = function () {
    if (!warn) { return; }
    warn.hidden = false;
    if (stay) { stay.focus(); }
    var ends = Date.now() + warnFor;
    var show = function () {
      var left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
      if (countdown && steps.length) { countdown.textContent = steps[Math.min(left, steps.length - 1)]; }
    };
    show();
    tick = setInterval(show, 250);
  };
  var arm = function () {
    clearTimeout(warnTimer);
    clearTimeout(resetTimer);
    clearInterval(tick);
    if (warn && !warn.hidden) { warn.hidden = true; }
    if (!dirty) { return; }
    warnTimer = setTimeout(showWarning, idle - warnFor);
    resetTimer = setTimeout(startOver, idle);
  };
  ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll'].forEach(function (ev) {
    window.addEventListener(ev, arm, { passive: true, capture: true });
  });
  document.addEventListener('input', function () { dirty = true; arm(); }, true);
  if (stay) { stay.addEventListener('click', arm); }
  arm();
})();
