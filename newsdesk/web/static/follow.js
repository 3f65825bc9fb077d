/* Follow and unfollow buttons: what a reader follows is kept in the cookie `newsdesk_follow` of their browser
   (comma-separated `kind:key`, each URI-encoded), read by the Following page (views/following.py). The buttons
   are hidden until this script shows them, so a page without JavaScript offers only the Atom feeds. */
(function () {
  "use strict";
  var NAME = "newsdesk_follow";
  function read() {
    var m = document.cookie.match(/(?:^|;\s*)newsdesk_follow=([^;]*)/);
    return m && m[1] ? m[1].split(",").filter(Boolean) : [];
  }
  function write(items) {
    document.cookie = NAME + "=" + items.join(",") + "; path=/; max-age=31536000; SameSite=Lax";
  }
  function encode(item) {
    var i = item.indexOf(":");
    return item.slice(0, i) + ":" + encodeURIComponent(item.slice(i + 1));
  }
  function label(button, on) {
    button.textContent = button.classList.contains("unfollow") ? (on ? "Unfollow" : "Follow again")
                                                                 : (on ? "Following ✓" : "Follow");
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  var buttons = document.querySelectorAll("button[data-follow]");
  Array.prototype.forEach.call(buttons, function (button) {
    var item = encode(button.getAttribute("data-follow"));
    label(button, read().indexOf(item) >= 0);
    button.hidden = false;
    button.addEventListener("click", function () {
      var items = read(), at = items.indexOf(item);
      if (at >= 0) items.splice(at, 1); else items.push(item);
      write(items.slice(-50));
      label(button, at < 0);
    });
  });
})();
