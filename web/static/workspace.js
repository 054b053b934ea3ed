// Trellis referral pages: small enhancements over forms that work
// without them. The referral form gets a signature pad for consent signed
// on this device (without JavaScript the page says to use a paper form);
// the signature is drawn into a PNG kept in the form's signature_image
// field, nowhere else. The agency's form asks for the reason when
// "declined" is chosen. Nothing is stored in the browser.
(function () {
  'use strict';

  // The signature pad.
  var pad = document.querySelector('[data-sigpad]');
  var canvas = document.querySelector('[data-sig-canvas]');
  var out = document.querySelector('[data-sig-out]');
  var status = document.querySelector('[data-sig-status]');
  var nojs = document.querySelector('[data-sig-nojs]');
  var sigSet = document.querySelector('[data-signature-set]');
  if (pad && canvas && out && canvas.getContext) {
    if (nojs) { nojs.hidden = true; }
    var ctx = canvas.getContext('2d');
    var drawn = false, down = false, last = null;
    var reset = function () {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 3;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.strokeStyle = '#000';
    };
    reset();
    var say = function (signed) {
      if (status) { status.textContent = status.getAttribute(signed ? 'data-signed' : 'data-unsigned'); }
    };
    // A signature the page carried (a language switch, a refusal) is
    // drawn again.
    if (out.value.indexOf('data:image/png;base64,') === 0) {
      var img = new Image();
      img.onload = function () { ctx.drawImage(img, 0, 0, canvas.width, canvas.height); drawn = true; };
      img.src = out.value;
    }
    var point = function (e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    };
    canvas.addEventListener('pointerdown', function (e) {
      down = true;
      last = point(e);
      canvas.setPointerCapture(e.pointerId);
      ctx.beginPath();
      ctx.arc(last.x, last.y, 1.5, 0, 2 * Math.PI);
      ctx.fillStyle = '#000';
      ctx.fill();
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', function (e) {
      if (!down) { return; }
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      drawn = true;
      e.preventDefault();
    });
    var end = function () {
      if (!down) { return; }
      down = false;
      drawn = true;
      out.value = canvas.toDataURL('image/png');
      say(true);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    var clear = document.querySelector('[data-sig-clear]');
    if (clear) {
      clear.addEventListener('click', function () {
        reset();
        drawn = false;
        out.value = '';
        say(false);
      });
    }
    // The pad shows when "on this device" is chosen.
    var radios = document.querySelectorAll('[data-signature]');
    var showPad = function () {
      var el = document.getElementById('sig-electronic');
      pad.hidden = !(el && el.checked);
    };
    Array.prototype.forEach.call(radios, function (r) { r.addEventListener('change', showPad); });
    showPad();
    if (!drawn && !out.value) { say(false); }
  }

  // The signature question goes with written consent.
  var methods = document.querySelectorAll('[data-method]');
  if (methods.length && sigSet) {
    var showSig = function () {
      var w = document.getElementById('cm-written');
      sigSet.hidden = !(w && w.checked);
      if (sigSet.hidden) {
        // Verbal consent has no signature: none is sent.
        Array.prototype.forEach.call(sigSet.querySelectorAll('[data-signature]'), function (r) { r.checked = false; });
        if (pad) { pad.hidden = true; }
      }
    };
    Array.prototype.forEach.call(methods, function (m) { m.addEventListener('change', showSig); });
    showSig();
  }

  // The agency's reason is required to decline.
  var reason = document.querySelector('[data-reason]');
  var answers = document.querySelectorAll('[data-answer]');
  if (reason && answers.length) {
    var need = function () {
      var d = document.querySelector('[data-answer][value="declined"]');
      reason.required = !!(d && d.checked);
    };
    Array.prototype.forEach.call(answers, function (a) { a.addEventListener('change', need); });
    need();
  }
})();
