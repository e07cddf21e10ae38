"""A one-line progress bar: items done / total, rate and ETA.

On a terminal the line is rewritten in place (carriage return); elsewhere (a log file, CI) a
plain line is written when the count changes, at most every `interval` seconds, and at the end.
The rate counts only the items done since the bar started (a resumed job starts part done).
"""

import sys
import time

WIDTH = 24  # characters of the bar


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    def __init__(self, total, done=0, unit="videos", stream=None, interval=10.0,
                 clock=time.monotonic):
        self.total, self.unit, self.clock, self.interval = total, unit, clock, interval
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start_done, self.start_time = done, clock()
        self.done, self.shown, self.shown_at = done, None, None
        self.longest = 0  # a shorter line rewritten in place is padded over the longer one

    def render(self):
        """'[#########...............]  37/120 videos  1.9 videos/s  ETA 0:00:43'."""
        fraction = self.done / self.total if self.total else 1.0
        filled = int(WIDTH * min(fraction, 1.0))
        elapsed = self.clock() - self.start_time
        new = self.done - self.start_done
        rate = new / elapsed if elapsed > 0 and new > 0 else None
        speed = f"{rate:.2f} {self.unit}/s" if rate else f"- {self.unit}/s"
        eta = _clock((self.total - self.done) / rate) if rate else "-:--:--"
        return (f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} {self.unit}  "
                f"{speed}  ETA {eta}  elapsed {_clock(elapsed)}")

    def update(self, done, final=False):
        self.done = done
        now = self.clock()
        if self.tty:
            line = self.render()
            self.longest = max(self.longest, len(line))
            self.stream.write("\r" + line.ljust(self.longest) + ("\n" if final else ""))
        elif done != self.shown and (final or self.shown_at is None
                                     or now - self.shown_at >= self.interval):
            self.stream.write(self.render() + "\n")
        else:
            return
        self.stream.flush()
        self.shown, self.shown_at = done, now

    def close(self):
        """The last line (on a terminal: ends the line rewritten in place)."""
        if self.tty or self.done != self.shown:
            self.update(self.done, final=True)
