#!/usr/bin/env python3
"""Writes a synthetic .flow file with STEPS agent steps, for benchmarking `flowc check`.

    gen_flow.py STEPS > big.flow

The flow exercises every check at scale and is clean (no diagnostics): stages of 100 steps
made of parallel blocks of four branches with review gates, sequences, `review each` blocks,
fan-outs, `after` and `uses` edges between stages, writing agents with disjoint `writes`
patterns side by side, and rules of every kind (before, every step reviewed by, at most N
calls, writes only).
"""
import sys

WRITERS = 16
READERS = 16


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: gen_flow.py STEPS")
    steps = int(sys.argv[1])
    out = [f'flow bench{steps} "A synthetic flow of {steps} agent steps"\n',
           'input areas: list = ["a", "b", "c"] "What the fan-outs cover"',
           'input deep: bool = true']
    for k in range(WRITERS):
        out.append(f'agent w{k} < description "Writer {k}"; tools Read, Write; '
                   f'writes "out/w{k}/**", "notes/w{k}.md" >')
    for k in range(READERS):
        out.append(f'agent r{k} < description "Reader {k}"; tools Read, Grep >')
    out.append('agent critic < description "Reviews"; role reviewer; tools Read >')

    made = 0
    stage = 0
    while made < steps:
        name = f"s{stage}"
        after = f" after s{stage - 2}, s{stage - 1}" if stage >= 2 else ""
        when = " when deep" if stage % 7 == 3 else ""
        parts = []
        in_stage = 0
        # Blocks of 4 parallel writers (disjoint paths), each block reviewed as a whole,
        # then a sequence of readers reviewed one by one, then a fan-out.
        while in_stage < 100 and made < steps:
            kind = (in_stage // 12) % 3
            if kind == 0:
                branches = []
                for b in range(4):
                    if made >= steps:
                        break
                    w = (in_stage + b) % WRITERS
                    branches.append(f'w{w} "part {b}" as {name}-{in_stage + b}')
                    made += 1
                in_stage += len(branches)
                parts.append(f'parallel < {"; ".join(branches)} > review critic retries 2')
            elif kind == 1:
                seq = []
                for b in range(4):
                    if made >= steps:
                        break
                    seq.append(f'r{(in_stage + b) % READERS} as {name}-{in_stage + b}')
                    made += 1
                in_stage += len(seq)
                parts.append(f'< {"; ".join(seq)} > review each critic retries 1')
            else:
                uses = f" uses s{stage - 1}" if stage >= 1 else ""
                parts.append(f'r{in_stage % READERS} over areas as {name}-{in_stage}{uses} '
                             f'review critic retries 2')
                made += 1
                in_stage += 1
        out.append(f"stage {name}{after}{when} <\n  " + ";\n  ".join(parts) + "\n>")
        stage += 1

    out.append("rule s0 before s%d" % (stage - 1))
    if stage > 3:
        out.append("rule s1 before s%d" % (stage - 2))
    out.append("rule every step reviewed by critic")
    out.append("rule at most 999999999 calls")
    for k in range(WRITERS):
        out.append(f'rule w{k} writes only "out/**", "notes/*.md"')
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
