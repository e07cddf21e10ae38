"""Hand-made add_tf.detect reports for add_tf.reporting.detect_report, and a parser of the pages
it writes."""

import html.parser

from add_tf.training import model_card


class Page(html.parser.HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def sources(self):
        return [attrs["src"] for tag, attrs in self.tags if tag == "img"]


def make_report(entries, card=None):
    """A report as add_tf.detect writes it, of the input `entries` and the model `card`."""
    return {"model": "m", "threshold": 0.5, "frames": 4, "counts": {}, "inputs": entries,
            "model_card": card, "warnings": model_card.describe("/nonexistent")[1]}
