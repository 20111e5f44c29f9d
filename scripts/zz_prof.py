import cProfile
import pstats


def main():
    cProfile.runctx(
        "run_pilot(PilotConfig(learners=60, out=Path('/tmp/pp')), Console(width=150))",
        globals(),
        locals(),
        "/tmp/prof.out",
    )
    p = pstats.Stats("/tmp/prof.out")
    p.sort_stats("cumulative").print_stats(45)
