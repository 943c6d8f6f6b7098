/// The page served at `GET /`: one self-contained HTML document (inline CSS
/// and JavaScript, no build step, no external requests, so it works offline and
/// under a strict Content-Security-Policy of 'self' plus inline). It talks to
/// the JSON API only: `GET /v1/model` for the model's name and labels and
/// `POST /classify` (multipart, part `image`) for predictions.
///
/// Stable hooks for tests and scripts: `#file` (input), `#drop` (drop zone),
/// `#preview` (img), `#predictions` with one `li.prediction[data-label][data-score]`
/// per class, `#unknown` (shown, with the class `shown`, when the answer is
/// `"unknown": true`), `#error` (a readable message), `#status`.
public enum WebPage {
    public static let contentType = "text/html; charset=utf-8"

    public static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Image classifier</title>
    <style>
      :root { --accent: #2563eb; --bg: #f8fafc; --fg: #0f172a; --muted: #64748b; --bad: #b91c1c; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
      main { max-width: 760px; margin: 0 auto; padding: 24px 16px 48px; }
      h1 { font-size: 1.5rem; margin: 0 0 4px; }
      #model { color: var(--muted); font-size: .9rem; margin: 0 0 20px; min-height: 1.4em; }
      #drop { display: block; border: 2px dashed #cbd5e1; border-radius: 12px; padding: 28px; text-align: center;
              background: #fff; cursor: pointer; transition: border-color .15s, background .15s; }
      #drop.over { border-color: var(--accent); background: #eff6ff; }
      #drop:focus-within { outline: 3px solid #bfdbfe; }
      #file { position: absolute; width: 1px; height: 1px; opacity: 0; }
      .hint { color: var(--muted); font-size: .9rem; }
      .row { display: flex; gap: 24px; margin-top: 24px; flex-wrap: wrap; align-items: flex-start; }
      #preview { max-width: 280px; max-height: 280px; border-radius: 8px; background: #e2e8f0; display: none; }
      #results { flex: 1; min-width: 260px; }
      #predictions { list-style: none; margin: 0; padding: 0; }
      .prediction { margin: 0 0 10px; }
      .prediction .name { display: flex; justify-content: space-between; font-size: .95rem; }
      .bar { height: 10px; background: #e2e8f0; border-radius: 5px; overflow: hidden; margin-top: 3px; }
      .bar span { display: block; height: 100%; background: var(--accent); border-radius: 5px; }
      .prediction:first-child .bar span { background: #16a34a; }
      #error { color: var(--bad); background: #fef2f2; border: 1px solid #fecaca; border-radius: 8px; padding: 10px 12px; display: none; }
      #unknown { display: none; border: 2px solid #d97706; background: #fffbeb; color: #92400e; border-radius: 8px;
                 padding: 10px 12px; margin: 0 0 12px; }
      #unknown.shown { display: block; }
      #unknown strong { font-size: 1.2rem; }
      #predictions.doubtful .bar span { background: #cbd5e1 !important; }
      #status { color: var(--muted); font-size: .9rem; min-height: 1.4em; }
      label.k { font-size: .9rem; color: var(--muted); }
      input[type=number] { width: 4.5em; }
    </style>
    </head>
    <body>
    <main>
      <h1>Image classifier</h1>
      <p id="model">Loading model information…</p>
      <label id="drop" for="file">
        <input id="file" type="file" accept="image/jpeg,image/png,image/*">
        <strong>Choose an image</strong> or drop one here
        <div class="hint">JPEG or PNG. The image is sent to this server only.</div>
      </label>
      <p><label class="k">Top <input id="topk" type="number" min="1" max="100" value="5"> labels</label></p>
      <div class="row">
        <img id="preview" alt="The image being classified">
        <div id="results">
          <div id="status" role="status" aria-live="polite"></div>
          <div id="error" role="alert"></div>
          <div id="unknown" role="alert"><strong>Unknown</strong>: this image is unlike anything the model was
            trained on, so its labels below are guesses among classes it does not belong to.</div>
          <ol id="predictions"></ol>
        </div>
      </div>
    </main>
    <script>
    "use strict";
    const $ = (id) => document.getElementById(id);
    let previewURL = null;

    function showError(message) {
      $("error").textContent = message;
      $("error").style.display = message ? "block" : "none";
    }

    function describeFailure(status, body) {
      if (body && body.error && body.error.message) return body.error.message + " (" + status + ")";
      if (status === 413) return "The image is too large for this server (413).";
      if (status === 503) return "The server is busy or has no model loaded yet; try again shortly (503).";
      return "The server answered with status " + status + ".";
    }

    async function loadModel() {
      try {
        const response = await fetch("/v1/model", { headers: { "Accept": "application/json" } });
        const body = await response.json().catch(() => null);
        if (!response.ok || !body) { $("model").textContent = describeFailure(response.status, body); return; }
        const labels = Array.isArray(body.labels) ? body.labels.length : "?";
        $("model").textContent = "Model " + (body.name || "?") + " · version " + (body.version || "?") + " · " + labels + " classes";
        if (typeof labels === "number") $("topk").max = String(labels);
      } catch (error) {
        $("model").textContent = "Could not reach the server: " + error.message;
      }
    }

    function render(predictions) {
      const list = $("predictions");
      list.replaceChildren();
      for (const prediction of predictions) {
        const item = document.createElement("li");
        item.className = "prediction";
        item.dataset.label = prediction.label;
        item.dataset.score = String(prediction.score);
        const name = document.createElement("div");
        name.className = "name";
        const label = document.createElement("span");
        label.className = "label";
        label.textContent = prediction.label;
        const score = document.createElement("span");
        score.className = "score";
        score.textContent = (prediction.score * 100).toFixed(1) + "%";
        name.append(label, score);
        const bar = document.createElement("div");
        bar.className = "bar";
        const fill = document.createElement("span");
        fill.style.width = Math.max(0, Math.min(100, prediction.score * 100)).toFixed(1) + "%";
        bar.append(fill);
        item.append(name, bar);
        list.append(item);
      }
    }

    function showUnknown(unknown) {
      $("unknown").classList.toggle("shown", unknown);
      $("predictions").classList.toggle("doubtful", unknown);
    }

    async function classify(file) {
      showError("");
      $("predictions").replaceChildren();
      showUnknown(false);
      if (!file) return;
      if (previewURL) URL.revokeObjectURL(previewURL);
      previewURL = URL.createObjectURL(file);
      $("preview").src = previewURL;
      $("preview").style.display = "block";
      $("status").textContent = "Classifying " + file.name + "…";
      const form = new FormData();
      form.append("image", file, file.name);
      const k = Math.max(1, parseInt($("topk").value, 10) || 5);
      try {
        const response = await fetch("/classify?top_k=" + k, { method: "POST", body: form });
        const body = await response.json().catch(() => null);
        if (!response.ok || !body || !Array.isArray(body.predictions)) {
          $("status").textContent = "";
          showError(describeFailure(response.status, body));
          return;
        }
        render(body.predictions);
        showUnknown(body.unknown === true);
        const t = body.timing_ms || {};
        $("status").textContent = file.name + " · " + (t.total !== undefined ? t.total.toFixed(1) + " ms" : "") +
          (body.model ? " · model " + body.model.version : "");
      } catch (error) {
        $("status").textContent = "";
        showError("Could not reach the server: " + error.message);
      }
    }

    $("file").addEventListener("change", (event) => classify(event.target.files[0]));
    const drop = $("drop");
    for (const type of ["dragenter", "dragover"]) {
      drop.addEventListener(type, (event) => { event.preventDefault(); drop.classList.add("over"); });
    }
    for (const type of ["dragleave", "drop"]) {
      drop.addEventListener(type, (event) => { event.preventDefault(); drop.classList.remove("over"); });
    }
    drop.addEventListener("drop", (event) => {
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) classify(file); else showError("Drop an image file (JPEG or PNG).");
    });
    loadModel();
    </script>
    </body>
    </html>
    """#
}
