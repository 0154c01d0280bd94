/**
 * The page's own script, inlined as text (the report must open with no network and no files
 * beside it). Plain ES2020, no libraries. It:
 * - turns each <title> of a hoverable element into a tooltip (and an aria-label, so screen readers
 *   keep it) and shows it on hover and on keyboard focus;
 * - highlights a clicked segment everywhere it is drawn (`data-seg`), with a guide line in graphs;
 * - zooms and pans the shared time axis of all charts (buttons, Ctrl/Shift + wheel, drag), fitting
 *   each value axis to what is visible; and makes the ladder taller or shorter (buttons, Ctrl + wheel).
 * The tick and format functions repeat layout.ts's `niceTicks`, `timeUnit`, `formatMsIn` and `formatBytes`
 * and svg.ts's `tickLabels`
 * (the page cannot import them); change both together.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var cfg = JSON.parse(document.getElementById('report-data').textContent);
  var tip = document.getElementById('tooltip');

  // ---- tooltips ---------------------------------------------------------------------------
  var tipped = document.querySelectorAll('[data-seg], .tip');
  for (var i = 0; i < tipped.length; i++) {
    var t = tipped[i].querySelector(':scope > title');
    if (!t) continue;
    tipped[i].setAttribute('data-tip', t.textContent);
    tipped[i].setAttribute('aria-label', t.textContent);
    t.remove();
  }
  function showTip(target, x, y) {
    tip.textContent = target.getAttribute('data-tip');
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.min(x + 14, window.innerWidth - w - 8);
    var top = y + 16 + h > window.innerHeight ? y - h - 10 : y + 16;
    tip.style.left = Math.max(4, left) + window.scrollX + 'px';
    tip.style.top = Math.max(4, top) + window.scrollY + 'px';
  }
  document.addEventListener('mouseover', function (ev) {
    var target = ev.target.closest && ev.target.closest('[data-tip]');
    if (target) showTip(target, ev.clientX, ev.clientY);
  });
  document.addEventListener('mouseout', function (ev) {
    var target = ev.target.closest && ev.target.closest('[data-tip]');
    if (target && !(ev.relatedTarget && target.contains(ev.relatedTarget))) tip.hidden = true;
  });
  document.addEventListener('focusin', function (ev) {
    var target = ev.target.closest && ev.target.closest('[data-tip]');
    if (!target) return;
    var r = target.getBoundingClientRect();
    showTip(target, r.left, r.bottom);
  });
  document.addEventListener('focusout', function () { tip.hidden = true; });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') tip.hidden = true;
    if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.closest && ev.target.closest('[data-seg]')) {
      ev.preventDefault();
      select(ev.target.closest('[data-seg]').getAttribute('data-seg'));
    }
  });

  // ---- selection --------------------------------------------------------------------------
  var status = document.getElementById('selection');
  function select(id) {
    var old = document.querySelectorAll('.hl');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('hl');
    var guides = document.querySelectorAll('.guide');
    for (var j = 0; j < guides.length; j++) guides[j].remove();
    var all = document.querySelectorAll('[data-seg="' + id + '"], [data-lbl="' + id + '"]');
    var inGraphs = 0;
    for (var k = 0; k < all.length; k++) {
      all[k].classList.add('hl');
      var plot = all[k].closest('svg.plot');
      if (plot && all[k].tagName === 'line') {
        inGraphs++;
        var g = document.createElementNS(NS, 'line');
        var x = all[k].getAttribute('x1');
        g.setAttribute('class', 'guide');
        g.setAttribute('x1', x); g.setAttribute('x2', x);
        g.setAttribute('y1', '-1e15'); g.setAttribute('y2', '1e15');
        g.setAttribute('vector-effect', 'non-scaling-stroke');
        plot.insertBefore(g, plot.firstChild);
      }
    }
    if (status) status.textContent = (inGraphs ? cfg.words.selected : cfg.words.selectedNoSeq).replace('{id}', id);
  }

  // ---- time zoom (all charts share one window) ---------------------------------------------
  var full = cfg.domain.all, fit = cfg.domain.fit;
  var view = { t0: fit[0], t1: fit[1] };
  var charts = cfg.charts.map(function (spec) {
    var svg = document.getElementById(spec.id);
    return { spec: spec, svg: svg, plot: svg.querySelector('svg.plot'), x: svg.querySelector('g.xaxis'), y: svg.querySelector('g.yaxis') };
  });
  function niceTicks(d0, d1, maxCount, minStep) {
    if (!(d1 > d0) || !isFinite(d0) || !isFinite(d1)) return isFinite(d0) ? [d0] : [];
    var raw = Math.max((d1 - d0) / Math.max(1, maxCount), minStep || 0);
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10], step = 10 * mag;
    for (var i = 0; i < steps.length; i++) if (steps[i] * mag >= raw) { step = steps[i] * mag; break; }
    var out = [], most = Math.max(1, maxCount) + 2;
    for (var v = Math.ceil(d0 / step) * step; v <= d1 + step * 1e-9 && out.length < most; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }
  function trimZeros(s) { return s.indexOf('.') >= 0 ? s.replace(/\.?0+$/, '') : s; }
  function timeUnit(a, b) {
    var m = Math.max(Math.abs(a), Math.abs(b));
    return m >= 10000 ? 's' : (m < 1 && m > 0 ? '\u00b5s' : 'ms');
  }
  function formatMsIn(ms, unit, step) {
    var scale = unit === 's' ? 1 / 1000 : (unit === 'ms' ? 1 : 1000);
    var d = step > 0 ? Math.min(6, Math.max(0, Math.ceil(-Math.log10(step * scale) - 1e-9))) : (unit === 'ms' || unit === 's' ? 3 : 1);
    var text = trimZeros((ms * scale).toFixed(d));
    return (text === '-0' ? '0' : text) + ' ' + unit;
  }
  function tickLabels(ticks, fmt) {
    if (fmt === 'bytes') return ticks.map(formatBytes);
    var unit = timeUnit(ticks[0] || 0, ticks[ticks.length - 1] || 0), step = ticks.length > 1 ? ticks[1] - ticks[0] : 0;
    return ticks.map(function (t) { return formatMsIn(t, unit, step); });
  }
  function formatBytes(n) {
    var a = Math.abs(n);
    if (a >= 1e9) return trimZeros((n / 1e9).toFixed(2)) + 'G';
    if (a >= 1e6) return trimZeros((n / 1e6).toFixed(2)) + 'M';
    if (a >= 1e4) return trimZeros((n / 1e3).toFixed(1)) + 'k';
    return String(Math.round(n * 100) / 100);
  }
  function num(v) { var r = Math.round(v * 100) / 100; return String(r === 0 ? 0 : r); }
  function node(parent, name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }
  function extent(spec, t0, t1) {
    var lo = Infinity, hi = -Infinity;
    spec.series.forEach(function (s) {
      if (s.fit === false) return;
      var carried = -1, d = s.data;
      for (var i = 0; i < d.length; i += s.stride) {
        if (d[i] < t0) { carried = i; continue; }
        if (d[i] > t1) break;
        for (var k = 1; k < s.stride; k++) { lo = Math.min(lo, d[i + k]); hi = Math.max(hi, d[i + k]); }
      }
      if (s.step && carried >= 0) for (var k2 = 1; k2 < s.stride; k2++) { lo = Math.min(lo, d[carried + k2]); hi = Math.max(hi, d[carried + k2]); }
    });
    return lo <= hi ? [lo, hi] : [0, 1];
  }
  function valueDomain(spec, t0, t1) {
    var e = extent(spec, t0, t1), lo = e[0], hi = e[1];
    if (spec.zero) lo = Math.min(0, lo);
    if (hi - lo < 1e-9) { hi += Math.max(1, Math.abs(hi) * 0.1); lo -= spec.zero ? 0 : Math.max(1, Math.abs(lo) * 0.1); }
    var pad = (hi - lo) * 0.06;
    return [spec.zero && lo >= 0 ? lo : lo - pad, hi + pad];
  }
  function redraw() {
    var span = view.t1 - view.t0;
    charts.forEach(function (c) {
      var vd = valueDomain(c.spec, view.t0, view.t1);
      c.plot.setAttribute('viewBox', view.t0 + ' ' + (-vd[1]) + ' ' + span + ' ' + (vd[1] - vd[0]));
      var x0 = +c.x.getAttribute('data-x0'), w = +c.x.getAttribute('data-w'), y = +c.x.getAttribute('data-y');
      c.x.textContent = '';
      var xt = niceTicks(view.t0, view.t1, 7), xl = tickLabels(xt, 'ms');
      xt.forEach(function (t, i) {
        var px = num(x0 + (t - view.t0) / span * w);
        node(c.x, 'line', { x1: px, x2: px, y1: y, y2: y + 5 });
        node(c.x, 'text', { x: px, y: y + 17, 'text-anchor': 'middle' }, xl[i]);
      });
      var yx = +c.y.getAttribute('data-x'), y0 = +c.y.getAttribute('data-y0'), h = +c.y.getAttribute('data-h'), yw = +c.y.getAttribute('data-w');
      var fmt = c.y.getAttribute('data-fmt');
      c.y.textContent = '';
      var yt = niceTicks(vd[0], vd[1], 5, fmt === 'bytes' ? 1 : 0), yl = tickLabels(yt, fmt);
      yt.forEach(function (v, i) {
        var py = num(y0 + h - (v - vd[0]) / (vd[1] - vd[0]) * h);
        node(c.y, 'line', { 'class': 'grid', x1: yx, x2: yx + yw, y1: py, y2: py });
        node(c.y, 'text', { x: yx - 6, y: +py + 4, 'text-anchor': 'end' }, yl[i]);
      });
    });
    var label = document.getElementById('window');
    var u = timeUnit(view.t0, view.t1);
    if (label) label.textContent = formatMsIn(view.t0, u) + ' \u2013 ' + formatMsIn(view.t1, u);
  }
  function setView(t0, t1) {
    var minSpan = Math.max(1e-6, (full[1] - full[0]) * 1e-7);
    if (t1 - t0 < minSpan) { var m = (t0 + t1) / 2; t0 = m - minSpan / 2; t1 = m + minSpan / 2; }
    view.t0 = t0; view.t1 = t1;
    redraw();
  }
  function zoom(factor, frac) {
    var span = view.t1 - view.t0, at = view.t0 + frac * span, ns = span * factor;
    setView(at - frac * ns, at - frac * ns + ns);
  }
  function pan(frac) {
    var d = (view.t1 - view.t0) * frac;
    setView(view.t0 + d, view.t1 + d);
  }
  var actions = {
    'zoom-in': function () { zoom(0.5, 0.5); },
    'zoom-out': function () { zoom(2, 0.5); },
    'pan-left': function () { pan(-0.25); },
    'pan-right': function () { pan(0.25); },
    'fit': function () { setView(fit[0], fit[1]); },
    'all': function () { setView(full[0], full[1]); },
    'taller': function () { stretch(ladderZoom * 1.5); },
    'shorter': function () { stretch(ladderZoom / 1.5); },
    'ladder-reset': function () { stretch(1); }
  };
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest && ev.target.closest('button[data-act]');
    if (b) { actions[b.getAttribute('data-act')](); return; }
    if (dragMoved) return;
    var s = ev.target.closest && ev.target.closest('[data-seg], [data-lbl]');
    if (s) select(s.getAttribute('data-seg') || s.getAttribute('data-lbl'));
  });
  charts.forEach(function (c) {
    c.svg.addEventListener('wheel', function (ev) {
      if (!(ev.ctrlKey || ev.shiftKey || ev.metaKey)) return;
      ev.preventDefault();
      var r = c.plot.getBoundingClientRect();
      var frac = Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width));
      zoom(Math.pow(1.0015, ev.deltaY || ev.deltaX), frac);
    }, { passive: false });
    c.svg.addEventListener('pointerdown', function (ev) {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, t0: view.t0, t1: view.t1, w: c.plot.getBoundingClientRect().width };
      dragMoved = false;
    });
    c.svg.addEventListener('dblclick', function () { actions.fit(); });
  });
  var drag = null, dragMoved = false;
  window.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x;
    if (Math.abs(dx) > 3) dragMoved = true;
    if (!dragMoved) return;
    var dt = -dx / drag.w * (drag.t1 - drag.t0);
    setView(drag.t0 + dt, drag.t1 + dt);
  });
  window.addEventListener('pointerup', function () {
    drag = null;
    setTimeout(function () { dragMoved = false; }, 0);
  });

  // ---- ladder stretch -----------------------------------------------------------------------
  var ladder = document.getElementById('ladder');
  var ladderZoom = 1;
  var top = ladder ? +ladder.getAttribute('data-top') : 0;
  var baseH = ladder ? +ladder.getAttribute('data-height') : 0;
  var movers = ladder ? ladder.querySelectorAll('[data-y], [data-y1]') : [];
  function sy(v) { return top + (v - top) * ladderZoom; }
  function stretch(z) {
    if (!ladder || ladder.classList.contains('banded')) return;
    ladderZoom = Math.min(8, Math.max(0.25, z));
    for (var i = 0; i < movers.length; i++) {
      var e = movers[i];
      if (e.hasAttribute('data-y1')) {
        e.setAttribute('y1', num(sy(+e.getAttribute('data-y1'))));
        e.setAttribute('y2', num(sy(+e.getAttribute('data-y2'))));
      } else if (e.tagName === 'g') {
        e.setAttribute('transform', 'translate(' + (e.getAttribute('data-x') || 0) + ',' + num(sy(+e.getAttribute('data-y'))) + ')');
      } else {
        e.setAttribute('y', num(sy(+e.getAttribute('data-y'))));
      }
    }
    var h = num(sy(baseH));
    ladder.setAttribute('height', h);
    ladder.setAttribute('viewBox', '0 0 ' + ladder.getAttribute('width') + ' ' + h);
  }
  if (ladder) ladder.addEventListener('wheel', function (ev) {
    if (!(ev.ctrlKey || ev.metaKey)) return;
    ev.preventDefault();
    stretch(ladderZoom * Math.pow(1.0015, -ev.deltaY));
  }, { passive: false });

  document.documentElement.classList.add('js');
  redraw();
})();
`;
