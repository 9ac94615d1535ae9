window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); document.body.dataset.errors = window.__errors.length; });
function cellValue(td) { var v = td.getAttribute('data-v'); return v === null ? td.textContent.trim() : parseFloat(v); }
function sortTable(th) {
  var table = th.closest('table'), body = table.tBodies[0], idx = Array.prototype.indexOf.call(th.parentNode.children, th);
  var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.classList.contains('total'); });
  var total = Array.prototype.slice.call(body.rows).filter(function (r) { return r.classList.contains('total'); });
  var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
  rows.sort(function (a, b) { var x = cellValue(a.cells[idx]), y = cellValue(b.cells[idx]); return (x > y ? 1 : x < y ? -1 : 0) * dir; });
  rows.concat(total).forEach(function (r) { body.appendChild(r); });
}
function filterTable(input) {
  var q = input.value.toLowerCase(), table = document.getElementById(input.dataset.table);
  Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
    r.style.display = (r.classList.contains('total') || r.textContent.toLowerCase().indexOf(q) >= 0) ? '' : 'none';
  });
}
function openSubject(id) {
  var el = document.getElementById(id); if (!el) { return false; }
  var outer = el.closest('details.subjects'); if (outer) { outer.open = true; }
  el.open = true; el.scrollIntoView(); return true;
}
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('th').forEach(function (th) { th.addEventListener('click', function () { sortTable(th); }); });
  document.querySelectorAll('input.filter').forEach(function (i) { i.addEventListener('input', function () { filterTable(i); }); });
  document.querySelectorAll('a.to-subject').forEach(function (a) {
    a.addEventListener('click', function (e) { e.preventDefault(); openSubject(a.getAttribute('href').slice(1)); });
  });
  var m = /[?&]open=([^&]+)/.exec(location.search);
  if (m) { var link = document.querySelector('a.to-subject[href="#' + decodeURIComponent(m[1]) + '"]'); if (link) { link.click(); } }
  document.body.dataset.ready = 'yes';
});
