import io

from add_tf.core.progress import ProgressBar


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_rate_and_eta_count_only_this_run():
    clock = _Clock()
    bar = ProgressBar(100, done=20, stream=io.StringIO(), clock=clock)
    clock.now += 10
    bar.update(40)  # 20 videos in 10 s: 2/s, 60 left: 30 s
    text = bar.render()
    assert "40/100 videos" in text and "2.00 videos/s" in text and "ETA 0:00:30" in text
    assert text.startswith("[" + "#" * 9 + ".")


def test_plain_lines_at_most_every_interval_and_at_the_end():
    clock, out = _Clock(), io.StringIO()
    bar = ProgressBar(10, stream=out, interval=5, clock=clock)
    for done in range(1, 11):
        clock.now += 1
        bar.update(done)
    bar.close()
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["1/10", "6/10", "10/10"]
    assert "\r" not in out.getvalue()


def test_terminal_line_rewritten_in_place():
    clock, out = _Clock(), _Terminal()
    bar = ProgressBar(30, stream=out, clock=clock)
    for done in (10, 10, 30):  # 10.00 videos/s, then 5.00 videos/s: a shorter line
        clock.now += 1
        bar.update(done)
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 4 and text.count("\n") == 1 and text.endswith("\n")
    lines = [line.rstrip("\n") for line in text.split("\r")[1:]]
    assert "10.00 videos/s" in lines[0] and "5.00 videos/s" in lines[1]
    assert len(lines[1]) == len(lines[0]) and lines[1].endswith(" ")  # padded over the old one
    assert "30/30 videos" in lines[-1] and "ETA 0:00:00" in lines[-1]
