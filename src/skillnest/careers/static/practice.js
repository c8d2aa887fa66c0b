// The interview practice timer: Start counts the seconds, Stop puts them in the form and
// records the session on the server. Without this script the duration is typed by hand.
(() => {
  "use strict";
  const form = document.querySelector("[data-practice]");
  if (!form) return;
  const controls = form.querySelector("[data-timer-controls]");
  const shown = form.querySelector("[data-timer]");
  const start = form.querySelector("[data-timer-start]");
  const stop = form.querySelector("[data-timer-stop]");
  const duration = form.querySelector("[data-duration]");
  let startedAt = null;
  let ticker = null;

  const seconds = () => Math.max(0, Math.round((Date.now() - startedAt) / 1000));
  const format = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  const say = (text) => window.skillnest && window.skillnest.announce(text);

  controls.hidden = false;
  start.addEventListener("click", () => {
    startedAt = Date.now();
    shown.textContent = "0:00";
    ticker = setInterval(() => { shown.textContent = format(seconds()); }, 1000);
    start.disabled = true;
    stop.disabled = false;
    stop.focus(); // the next key press stops it
    say("Timer started.");
  });
  stop.addEventListener("click", () => {
    if (startedAt === null) return;
    clearInterval(ticker);
    const elapsed = seconds();
    shown.textContent = format(elapsed);
    duration.value = String(elapsed);
    stop.disabled = true;
    say(`Timer stopped at ${format(elapsed)}. Recording the session.`);
    form.requestSubmit();
  });
})();
