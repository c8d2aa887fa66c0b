// MetaGauge pages: analyses' status and progress, and chat messages, follow the live stream.
(() => {
  "use strict";
  const live = window.skillnest;
  if (!live) return;

  // Swap one part of this page for the same part of a fresh copy (server-rendered).
  function refresh(selector) {
    if (window.htmx && document.querySelector(selector)) {
      window.htmx.ajax("GET", window.location.pathname + window.location.search, {
        target: selector, select: selector, swap: "outerHTML",
      });
    }
  }

  live.on("gauge.analysis", (analysis) => {
    for (const row of document.querySelectorAll(`[data-analysis="${analysis.id}"]`)) {
      row.querySelector("[data-status]").textContent = analysis.status;
      const bar = row.querySelector("progress");
      bar.value = analysis.progress;
      bar.textContent = `${analysis.progress}%`;
      row.querySelector("[data-progress]").textContent = `${analysis.progress}%`;
    }
    if (document.querySelector(`[data-analysis-page="${analysis.id}"]`)) refresh("#analysis");
    live.announce(`Analysis ${analysis.id}: ${analysis.status}, ${analysis.progress}%`);
  });

  live.on("gauge.chat.message", (message) => {
    if (!document.querySelector(`[data-gauge-chat="${message.session_id}"]`)) return;
    if (document.getElementById(`gauge-message-${message.id}`)) return;
    refresh("#gauge-messages");
    live.announce("New message");
  });
})();
