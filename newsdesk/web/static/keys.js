/* j/k between the items of a list, as feed readers do; o or Enter opens the current one. The pages work without
   it: this only moves a highlight and the focus. Keys typed into a form field are left alone. */
(function () {
  "use strict";
  var list = document.querySelector("[data-keys]");
  if (!list) return;
  var items = Array.prototype.slice.call(list.children);
  var at = -1;
  function show(i) {
    if (!items.length) return;
    i = Math.max(0, Math.min(items.length - 1, i));
    if (at >= 0) items[at].classList.remove("current");
    at = i;
    var item = items[at];
    item.classList.add("current");
    var link = item.querySelector("h2 a, a");
    if (link) link.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (e.key === "j") { show(at + 1); e.preventDefault(); }
    else if (e.key === "k") { show(at < 0 ? 0 : at - 1); e.preventDefault(); }
    else if ((e.key === "o" || e.key === "Enter") && at >= 0) {
      var link = items[at].querySelector("h2 a, a");
      if (link && e.key === "o") { link.click(); e.preventDefault(); }
    }
  });
})();
