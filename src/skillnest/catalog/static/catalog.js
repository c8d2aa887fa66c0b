// The skill catalog: pick a project's folder; the browser reads its manifests and sends them.
(() => {
  "use strict";
  const picker = document.querySelector("[data-folder-picker]");
  if (!picker) return;
  picker.hidden = false; // without a script the folder's files would all be posted
  const input = picker.querySelector("input[type=file]");
  const list = picker.querySelector("[data-folder-files]");
  const fields = picker.querySelector("[data-folder-fields]");
  const SKIPPED = /(^|\/)(node_modules|\.git|\.venv|venv|env|__pycache__|site-packages|dist|build|\.next)\//;
  const MAX_FILES = 20;
  const MAX_BYTES = 200000;

  function isManifest(name) {
    const lower = name.toLowerCase();
    return lower === "package.json" || lower === "pyproject.toml" || /^requirements.*\.txt$/.test(lower);
  }

  function hidden(name, value) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = name;
    field.value = value;
    return field;
  }

  input.addEventListener("change", async () => {
    fields.replaceChildren();
    list.replaceChildren();
    const files = [...input.files]
      .filter((f) => isManifest(f.name) && !SKIPPED.test(f.webkitRelativePath || f.name) && f.size <= MAX_BYTES)
      .slice(0, MAX_FILES);
    for (const file of files) {
      const path = file.webkitRelativePath || file.name;
      fields.append(hidden("folder_path", path), hidden("folder_text", await file.text()));
      const item = document.createElement("li");
      item.textContent = path; // text, never markup
      list.append(item);
    }
    const said = files.length ? `${files.length} manifest${files.length === 1 ? "" : "s"} found` : "No manifest found in this folder";
    window.skillnest.announce(said);
    if (!files.length) {
      const item = document.createElement("li");
      item.textContent = said;
      list.append(item);
    }
  });
})();
