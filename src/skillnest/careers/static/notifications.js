// The notification centre: a new notification appears at the top without a reload.
(() => {
  "use strict";
  const list = document.querySelector("[data-notifications]");
  if (!list || !window.skillnest) return;
  window.skillnest.on("notification.created", (n) => {
    if (document.querySelector(`[data-notification="${n.id}"]`)) return;
    const empty = list.querySelector("[data-empty]");
    if (empty) empty.remove();
    const item = document.createElement("li");
    item.dataset.notification = String(n.id);
    item.className = "unread";
    const title = document.createElement("strong");
    title.textContent = n.title; // text, never markup
    const message = document.createElement("p");
    message.textContent = n.message;
    item.append(title, message);
    list.prepend(item);
    window.skillnest.announce(`New notification: ${n.title}`);
  });
})();
