import cProfile, pstats
from pathlib import Path
from rich.console import Console
from credstack.pilot import PilotConfig, run_pilot
def main():
    cProfile.runctx("run_pilot(PilotConfig(learners=60, out=Path('/tmp/pp')), Console(width=150))", globals(), locals(), "/tmp/prof.out")
    p = pstats.Stats("/tmp/prof.out"); p.sort_stats("cumulative").print_stats(45)
