"""Replay Boston 311 tickets from Python and print the headline figures.

python examples/boston311/replay_boston.py          # the 2,000-ticket slice shipped in gridgov
python examples/boston311/replay_boston.py --full   # the shared 58,119-ticket file
"""

from __future__ import annotations

import sys
from pathlib import Path

from gridgov.replay import boston_sample_options, run_replay

FULL = Path(__file__).resolve().parents[3] / "shared/data/boston311/boston311_2015_h1.csv.gz"


def main() -> None:
    full = "--full" in sys.argv[1:]
    if full and not FULL.exists():
        sys.exit(f"the shared Boston file is not at {FULL}")
    sample = boston_sample_options().input
    source = FULL if full else sample
    own = run_replay(boston_sample_options(due_from_source=True, input=source)).to_dict()
    policy = run_replay(boston_sample_options(by=("tier",), input=source)).to_dict()
    print(f"tickets replayed          {own['overall']['tickets']:>8,}")
    print(f"rows rejected             {own['rejects']['total']:>8,}  {own['rejects']}")
    print(f"agreement, city due times {own['overall']['source_agreement']:>8.1%}")
    print(f"agreement, gridgov policy {policy['overall']['source_agreement']:>8.1%}")
    print(f"TARGET_DT reproduced      {policy['overall']['due_reproduced']:>8.1%}")
    for group in policy["groups"]["tier"]:
        print(
            f"  tier {group['key']:<11} on time {group['on_time_rate']:.1%}, "
            f"in grid {group['stay_in_grid_rate']:.1%}"
        )


if __name__ == "__main__":
    main()
