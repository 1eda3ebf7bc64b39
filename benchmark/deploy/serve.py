"""A local web page: type a text, see its class (IMDb: its sentiment) and each class's probability; below it the
suite's leaderboard and plots."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from benchmark.core.errors import UsageError
from benchmark.core.paths import LEADERBOARD_PAGE, PLOTS_FOLDER
from benchmark.deploy.model_card import LABELS, STANDIN_WARNING
from benchmark.deploy.predict import MAX_REVIEW_CHARS, Predictor, check_review

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
MAX_REQUEST_BYTES = 1_000_000

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ heading }}: {{ card.name }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }
 textarea { width: 100%; font: inherit; } button { font-size: 1.1em; padding: .3em 1.2em; margin-top: .5em; }
 .standin { background: #fff3cd; border: 2px solid #c9302c; padding: .6em 1em; font-weight: bold; }
 .result { font-size: 1.4em; margin: 1em 0; } .positive { color: #1a7f37; } .negative { color: #c9302c; }
 .error { background: #fde2e1; border-left: 4px solid #c9302c; padding: .5em 1em; margin: 1em 0; }
 table { border-collapse: collapse; font-size: .9em; } td, th { border: 1px solid #ccc; padding: .2em .5em; }
 img { max-width: 100%; border: 1px solid #eee; margin: .5em 0; } .muted { color: #666; font-size: .9em; }
 .bar { display: inline-block; height: .8em; background: #4a7bd0; vertical-align: middle; }
</style></head><body>
<h1>{{ heading }}</h1>
<p class="muted">Model: {{ card.name }} (<code>{{ card.key }}</code>), run <code>{{ card.run_id }}</code>,
 trained on {{ card.dataset_name }} (classes: {{ card.label_names|join(", ") }}),
 test accuracy {{ "%.2f"|format(100 * card.test["accuracy"]) }}%, texts read up to {{ card.seq_length }} tokens.</p>
{% if card.is_standin %}<p class="standin" id="standin">{{ standin_warning }}</p>{% endif %}
<form method="post" action="/">
 <label for="review">{{ "Review" if sentiment else "Text" }}</label>
 <textarea id="review" name="review" rows="7"
  placeholder="{{ "Type or paste a movie review" if sentiment else "Type or paste a text" }}">{{ review }}</textarea>
 <button id="classify" type="submit">Classify</button>
</form>
{% if error %}<p class="error" id="error" role="alert">{{ error }}</p>{% endif %}
{% if prediction %}<p class="result" id="result" data-label="{{ prediction.label }}"
 data-probability="{{ "%.4f"|format(prediction.probability) }}">{{ "Sentiment" if sentiment else "Class" }}:
 <strong class="{{ prediction.label }}" id="label">{{ prediction.label }}</strong>
 with probability <strong id="probability">{{ "%.1f"|format(100 * prediction.probability) }}%</strong></p>
<table id="probabilities"><tr><th>class</th><th>probability</th><th></th></tr>
{% for name, p in prediction.probabilities.items() %}<tr><td>{{ name }}</td><td>{{ "%.1f"|format(100 * p) }}%</td>
<td><span class="bar" style="width: {{ (200 * p)|round|int }}px"></span></td></tr>{% endfor %}</table>{% endif %}
<div id="leaderboard">{% if leaderboard %}{{ leaderboard|safe }}{% else %}<h2>Leaderboard</h2>
<p class="muted">No leaderboard at {{ leaderboard_path }}: <code>python -m benchmark run ...</code> writes one.</p>
{% endif %}</div>
{% if plots %}<h2>Plots</h2>{% for plot in plots %}
<figure><img src="/plots/{{ plot }}" alt="{{ plot }}"><figcaption class="muted">{{ plot }}</figcaption></figure>
{% endfor %}{% endif %}
</body></html>
"""


def render_leaderboard(path: Path) -> str | None:
    """``leaderboard.md`` as HTML (raw HTML in the file is shown as text), or None when there is none."""
    import markdown

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # Escape '&' and '<' so the file cannot inject markup; '>' stays for Markdown quotes.
    return markdown.markdown(text.replace("&", "&amp;").replace("<", "&lt;"), extensions=["tables"])


def plot_names(results_dir: Path) -> list[str]:
    """File names of the PNG plots in ``<results>/plots/``, sorted."""
    folder = Path(results_dir) / PLOTS_FOLDER
    return sorted(p.name for p in folder.glob("*.png") if p.is_file()) if folder.is_dir() else []


def create_app(predictor: Predictor, results_dir: Path):
    """The Flask app: ``/`` (form and result), ``/api/predict`` (JSON), ``/plots/<name>``."""
    from flask import Flask, jsonify, render_template_string, request, send_from_directory

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    results_dir = Path(results_dir)

    def page(review: str = "", prediction=None, error: str | None = None, status: int = 200):
        board_path = results_dir / LEADERBOARD_PAGE
        sentiment = predictor.card.label_names == LABELS  # IMDb's negative/positive: the page speaks of sentiment
        body = render_template_string(
            PAGE, card=predictor.card, standin_warning=STANDIN_WARNING, review=review, prediction=prediction,
            sentiment=sentiment, heading="Movie review sentiment" if sentiment else "Text classification",
            error=error, leaderboard=render_leaderboard(board_path), leaderboard_path=str(board_path),
            plots=plot_names(results_dir))
        return body, status

    def classify(text: str):
        """(prediction, None) or (None, message) - bad input never raises out of a request."""
        try:
            return predictor.predict([check_review(text)])[0], None
        except UsageError as error:
            return None, str(error)
        except Exception as error:  # noqa: BLE001 - the page must answer whatever the model does
            log.exception("prediction failed")
            return None, f"the model failed on this review ({type(error).__name__}); try another"

    @app.get("/")
    def index():
        return page()

    @app.post("/")
    def submit():
        review = request.form.get("review", "")
        prediction, error = classify(review)
        return page(review, prediction, error, 200 if error is None else 400)

    @app.post("/api/predict")
    def api_predict():
        body = request.get_json(silent=True)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return jsonify(error='send JSON {"text": "a review"}'), 400
        prediction, error = classify(text)
        if error is not None:
            return jsonify(error=error), 400
        return jsonify(prediction.to_dict() | {"weights": predictor.card.weights, "model": predictor.card.key})

    @app.get(f"/{PLOTS_FOLDER}/<path:name>")
    def plot(name: str):
        return send_from_directory(results_dir.resolve() / PLOTS_FOLDER, name)

    @app.errorhandler(413)
    def too_large(_error):
        return page(error=f"the request is over {MAX_REQUEST_BYTES:,} bytes: send a review of at most "
                          f"{MAX_REVIEW_CHARS:,} characters", status=413)

    return app


def check_port(port: int) -> None:
    """A UsageError unless ``port`` is free on 127.0.0.1 (checked before the model loads; 0 is always free)."""
    if not 0 <= port < 65536:
        raise UsageError(f"--port must be in 0..65535, got {port}")
    try:
        with socket.socket() as probe:
            probe.bind((HOST, port))
    except OSError as error:
        raise UsageError(f"cannot listen on {HOST}:{port} ({error.strerror or error}): "
                         "pass another --port (0 picks a free one)") from None


def serve(predictor: Predictor, results_dir: Path, port: int) -> None:
    """Serve the page on 127.0.0.1 until Ctrl+C, printing its address first."""
    from werkzeug.serving import make_server

    check_port(port)
    try:
        server = make_server(HOST, port, create_app(predictor, results_dir), threaded=True)
    except (OSError, SystemExit):  # werkzeug exits when the port was taken since check_port
        raise UsageError(f"cannot listen on {HOST}:{port}: pass another --port (0 picks a free one)") from None
    label = " [stand-in: random weights]" if predictor.card.is_standin else ""
    print(f"Serving {predictor.card.key}{label} at http://{HOST}:{server.server_port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
