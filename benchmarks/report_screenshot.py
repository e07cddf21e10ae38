"""A screenshot of an add_tf.detect HTML report in headless Chromium (a check to look at, not a
test: CI may lack a browser).

    python -m add_tf.detect PATH... --model MODEL --report REPORT_DIR
    python benchmarks/report_screenshot.py REPORT_DIR [--out shot.png] [--window-size 1200,1600]

Runs `chromium --headless --no-sandbox --screenshot=OUT --window-size=W,H file://REPORT_DIR/
index.html` (Debian's `apt-get install chromium`) and prints where the PNG is, its size and the
file names the page references that are missing from REPORT_DIR (there should be none).
"""

import argparse
import html.parser
import pathlib
import shutil
import subprocess
import sys


class _Sources(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/report_screenshot.py")
    parser.add_argument("report", help="folder with index.html (add_tf.detect --report)")
    parser.add_argument("--out", default=None, help="PNG path (default: REPORT/shot.png)")
    parser.add_argument("--window-size", default="1200,1600")
    parser.add_argument("--browser", default=None, help="default: chromium on the PATH")
    args = parser.parse_args(argv)
    index = pathlib.Path(args.report).resolve() / "index.html"
    if not index.is_file():
        parser.error(f"no index.html in the report folder. Received: report={args.report!r}")
    browser = args.browser or shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        parser.error("chromium not found (Debian: apt-get install chromium)")
    out = pathlib.Path(args.out or index.parent / "shot.png").resolve()
    page = _Sources()
    page.feed(index.read_text(encoding="utf-8"))
    missing = [s for s in page.sources if not (index.parent / s).is_file()]
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--screenshot={out}", f"--window-size={args.window_size}", index.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not out.is_file():
        print(proc.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"{out}: {out.stat().st_size} bytes, window {args.window_size}; the page shows "
          f"{len(page.sources)} images, missing from the folder: {missing or 'none'}")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
